// A stand-in for Proxmox's `qm` (it cannot run without a PVE cluster filesystem): keeps
// VM configs in $FAKE_QM_DIR/VMID.conf, appends every argv to $FAKE_QM_DIR/argv.jsonl,
// and answers `qm config VMID` and `qm set VMID --KEY VALUE… [--delete K,…]` the way qm
// does for these (config prints the current keys; set rewrites them in place, adds new
// keys at the end, removes deleted ones). FAKE_QM_FAIL_SET=1 makes `set` fail like a
// schema refusal; FAKE_QM_SORT=1 re-prints drive strings in PVE's own order (volume,
// then keys sorted), as print_drive does.
import { appendFileSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';

// `node --test dist/test/` loads every file under test/: without FAKE_QM_DIR this is not
// a qm invocation, so do nothing (and write nothing).
const dir = process.env.FAKE_QM_DIR ?? '';
if (dir === '') process.exit(0);
const args = process.argv.slice(2);
appendFileSync(join(dir, 'argv.jsonl'), `${JSON.stringify(['qm', ...args])}\n`);

const [cmd, vmid, ...rest] = args;
const file = join(dir, `${vmid}.conf`);
if (!vmid || !/^\d+$/.test(vmid) || !existsSync(file)) {
  process.stderr.write(`Configuration file 'nodes/pve1/qemu-server/${vmid}.conf' does not exist\n`);
  process.exit(2);
}
const lines = readFileSync(file, 'utf8').split('\n');
const end = lines.findIndex((l) => l.startsWith('['));
const current = end < 0 ? lines : lines.slice(0, end);
const tail = end < 0 ? [] : lines.slice(end);

if (cmd === 'config') {
  process.stdout.write(current.filter((l) => /^[a-z]/.test(l)).join('\n') + '\n');
  process.exit(0);
}
if (cmd === 'set') {
  if (process.env.FAKE_QM_FAIL_SET === '1') {
    process.stderr.write('400 Parameter verification failed.\nscsi0: invalid format - format error\n');
    process.exit(255);
  }
  const sortDrive = (v: string): string => {
    const [f, ...o] = v.split(',');
    return [f, ...o.sort()].join(',');
  };
  let out = [...current];
  for (let i = 0; i < rest.length; i += 2) {
    const flag = rest[i] ?? '';
    const value = rest[i + 1] ?? '';
    if (!flag.startsWith('--')) {
      process.stderr.write(`unexpected argument ${flag}\n`);
      process.exit(255);
    }
    const key = flag.slice(2);
    if (key === 'delete') {
      const gone = new Set(value.split(','));
      out = out.filter((l) => !gone.has(l.split(':')[0] ?? ''));
      continue;
    }
    const v = process.env.FAKE_QM_SORT === '1' && /^(scsi|virtio|sata|ide)\d+$/.test(key) ? sortDrive(value) : value;
    const at = out.findIndex((l) => l.startsWith(`${key}:`));
    if (at >= 0) out[at] = `${key}: ${v}`;
    else {
      // before the trailing blank line that separates sections
      const last = out.length > 0 && out[out.length - 1] === '' ? out.length - 1 : out.length;
      out.splice(last, 0, `${key}: ${v}`);
    }
  }
  writeFileSync(file, [...out, ...tail].join('\n'));
  process.exit(0);
}
process.stderr.write(`fake qm: unsupported command ${cmd}\n`);
process.exit(255);
