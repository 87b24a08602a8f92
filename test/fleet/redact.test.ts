// --redact: serials, WWNs/WWIDs, the host name and anything that looks like a key or a
// password never reach a dump, local (RecordingSource) or remote (writeProbeDump).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { makeRedactor, redactToken, scrubCredentials } from '../../src/facts/redact-dump.js';
import { parseProbeStream } from '../../src/facts/remote-stream.js';
import { writeDump } from '../../src/facts/write-dump.js';
import { withTempDir } from '../helpers.js';

const PEM = '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\nQUJDREVGRw==\n-----END OPENSSH PRIVATE KEY-----';

function allText(dir: string): string {
  let out = '';
  for (const n of readdirSync(dir)) {
    const p = join(dir, n);
    const st = statSync(p, { throwIfNoEntry: false });
    if (st?.isDirectory()) out += allText(p);
    else if (st?.isFile()) out += `${p}\n${readFileSync(p, 'utf8')}\n`;
  }
  return out;
}

describe('redaction', () => {
  it('scrubs credential-looking values and PEM private keys, keeping the keys\' names', () => {
    const cases: [string, RegExp, string][] = [
      ['password=hunter2\n', /^password=redacted-[0-9a-f]{8}\n$/, 'hunter2'],
      ['  db_password: "s3 cr3t"\n', /^ {2}db_password: redacted-[0-9a-f]{8}\n$/, 's3 cr3t'],
      ['api_key = AKIA1234567890\n', /^api_key = redacted-/, 'AKIA1234567890'],
      ['ExecStart=/usr/bin/foo --token abcdef123456\n', /--token redacted-/, 'abcdef123456'],
      [`key:\n${PEM}\n`, /REDACTED PRIVATE KEY redacted-/, 'b3BlbnNzaC1rZXktdjEAAAAA'],
    ];
    for (const [text, shape, secret] of cases) {
      const out = scrubCredentials(text);
      assert.match(out, shape, text);
      assert.ok(!out.includes(secret), `${text} → ${out}`);
    }
    assert.equal(scrubCredentials('vm.swappiness = 10\nkernel.pid_max = 4194304\n'), 'vm.swappiness = 10\nkernel.pid_max = 4194304\n');
  });

  it('a remote dump written with redact holds no serial, WWID, host name or secret', async () => {
    const serial = 'S3Z9NX0K123456';
    const wwid = 'eui.0025388b71b2a9c1';
    const host = 'hv-prod-17.example.net';
    const stream = [
      'kvmio-probe/1',
      'F /proc/sys/kernel/hostname', `|${host}`,
      'F /sys/devices/pci0000:00/0000:00:1d.0/nvme/nvme0/nvme0n1/wwid', `|${wwid}`,
      'F /sys/devices/pci0000:00/0000:00:1d.0/nvme/nvme0/serial', `|${serial}`,
      'F /proc/cmdline', `|BOOT_IMAGE=/vmlinuz root=/dev/sda1 hostname=${host}`,
      'F /etc/sysctl.d/90-x.conf', '|# rotate password=Winter2026!', '|vm.swappiness = 10',
      'F /etc/udev/rules.d/99-key.rules', ...PEM.split('\n').map((l) => `|${l}`),
      'C virsh-list 0', `|${host}-vm1`,
      'kvmio-probe-end', '',
    ].join('\n');
    await withTempDir(async (dir) => {
      await writeDump(dir, parseProbeStream(stream), { redact: true, origin: `ssh:root@${host}`, secrets: [`root@${host}`, host] });
      const text = allText(dir);
      for (const s of [serial, wwid, host, 'Winter2026!', 'b3BlbnNzaC1rZXktdjEAAAAA']) assert.ok(!text.includes(s), `${s} leaked:\n${text}`);
      assert.ok(text.includes(redactToken(serial)), 'the same value maps to the same token');
      assert.ok(text.includes('vm.swappiness = 10'));
      assert.equal(JSON.parse(readFileSync(join(dir, 'kvmio-dump.json'), 'utf8')).redacted, true);
    });
  });

  it('a file named like an identity attribute is replaced whole, even when its value is short', () => {
    const r = makeRedactor([]);
    assert.match(r.file('/sys/block/vda/serial', 'ab\n'), /^redacted-[0-9a-f]{8}\n$/);
  });
});
