// The 0/1/2 contract as a table (after virt-manager's tests/test_cli.py): each command
// line, the exit code it must give and what it must print. Invalid lines name the
// option, the value and what is expected, on stderr, and print nothing on stdout.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cli, fixture } from '../helpers.js';

interface Row {
  readonly argv: readonly string[];
  readonly code: 0 | 1 | 2;
  readonly stdout?: RegExp;
  readonly stderr?: RegExp;
}

const DL360 = fixture('hosts', 'dl360-gen9');

const ROWS: readonly Row[] = [
  // help and version
  { argv: ['--help'], code: 0, stdout: /^Usage: kvmio \[options\] \[command\]/ },
  { argv: ['help'], code: 0, stdout: /^Usage: kvmio \[options\] \[command\]/ },
  { argv: ['--version'], code: 0, stdout: /^\d+\.\d+\.\d+\n$/ },
  { argv: ['help', 'disk'], code: 0, stdout: /^Usage: kvmio disk \[options\] \[command\]/ },
  { argv: ['disk', 'xml', '--help'], code: 0, stdout: /^Usage: kvmio disk xml/ },
  { argv: ['help', 'nosuch'], code: 2, stderr: /^error: unknown command 'nosuch' for kvmio; expected one of audit, collect, / },
  { argv: ['help', 'disk', 'nosuch'], code: 2, stderr: /^error: unknown command 'nosuch' for kvmio disk; expected one of xml, args, create/ },
  // unknown commands, groups without a subcommand, no command at all: usage errors
  { argv: ['nosuch'], code: 2, stderr: /^error: unknown command 'nosuch'/ },
  { argv: ['disk', 'nosuch'], code: 2, stderr: /^error: unknown command 'nosuch'/ },
  { argv: [], code: 2, stderr: /^Usage: kvmio \[options\] \[command\]/ },
  { argv: ['disk'], code: 2, stderr: /^Usage: kvmio disk \[options\] \[command\][\s\S]*xml \[options\] <SOURCE>/ },
  { argv: ['vm'], code: 2, stderr: /^Usage: kvmio vm / },
  { argv: ['vg'], code: 2, stderr: /^Usage: kvmio vg / },
  { argv: ['passthrough'], code: 2, stderr: /^Usage: kvmio passthrough / },
  // bad flags and values
  { argv: ['audit', '--bogus'], code: 2, stderr: /^error: unknown option '--bogus'/ },
  { argv: ['audit', '--from', '/nonexistent-kvmio'], code: 2, stderr: /--from \/nonexistent-kvmio: no such directory; expected a dump/ },
  { argv: ['audit', '--from', DL360, '--only', 'nosuch'], code: 2, stderr: /--only nosuch: no such check id or prefix; expected one of sched, / },
  { argv: ['fix', '--persist', 'x'], code: 2, stderr: /--persist: "x" is not valid; expected one of udev, tmpfiles, auto/ },
  { argv: ['fix', '--vms', '0'], code: 2, stderr: /--vms: "0" is not valid; expected a positive integer/ },
  { argv: ['disk', 'xml'], code: 2, stderr: /^error: missing required argument 'SOURCE'/ },
  { argv: ['disk', 'xml', '/nonexistent-kvmio/x.img'], code: 2, stderr: /SOURCE: "\/nonexistent-kvmio\/x.img" does not exist; expected an image file/ },
  { argv: ['disk', 'xml', '--bus', 'x', '/tmp'], code: 2, stderr: /--bus: "x" is not valid; expected one of virtio-blk, virtio-scsi/ },
  { argv: ['disk', 'create', 'd', '--size', 'ten', '--on', '/tmp'], code: 2, stderr: /--size: "ten" is not a size; expected a number/ },
  { argv: ['vm', 'tune'], code: 2, stderr: /vm tune: give a DOMAIN or --domain-xml FILE/ },
  { argv: ['vg', 'create'], code: 2, stderr: /^error: missing required argument 'vg'/ },
  { argv: ['passthrough', 'check', 'zz'], code: 2, stderr: /ADDR: "zz" is not a PCI address; expected DDDD:BB:SS.F/ },
  { argv: ['collect'], code: 2, stderr: /^error: required option '-o, --output <dir>' not specified/ },
  { argv: ['completion'], code: 2, stderr: /^error: missing required argument 'shell'/ },
  { argv: ['completion', 'fish'], code: 2, stderr: /'fish' is invalid for argument 'shell'\. Allowed choices are bash, zsh/ },
  // enum flags list their choices in --help
  { argv: ['fix', '--help'], code: 0, stdout: /--persist <how>[\s\S]*\(choices: "udev", "tmpfiles", "auto",\s+default: "auto"\)/ },
  { argv: ['disk', 'xml', '--help'], code: 0, stdout: /--cache <mode>[\s\S]*\(choices:\s+"none", / },
  { argv: ['completion', '--help'], code: 0, stdout: /^ {2}shell +the shell \(choices: "bash", "zsh"\)$/m },
  // runs
  { argv: ['audit', '--from', DL360], code: 0, stdout: /28 checks: 0 fail, 3 warn, 0 skip, 25 pass\n$/ },
  { argv: ['completion', 'bash'], code: 0, stdout: /^# bash completion for kvmio[\s\S]*complete -o filenames -F _kvmio kvmio\n$/ },
  { argv: ['completion', 'zsh'], code: 0, stdout: /^#compdef kvmio\n/ },
  { argv: ['man'], code: 0, stdout: /^\.TH KVMIO 1 / },
];

describe('CLI table: exit codes and messages', () => {
  for (const row of ROWS) {
    it(`kvmio ${row.argv.join(' ') || '(nothing)'} → ${row.code}`, async () => {
      const r = await cli(row.argv);
      assert.equal(r.code, row.code, `stdout: ${r.stdout.slice(0, 400)}\nstderr: ${r.stderr.slice(0, 400)}`);
      if (row.stdout) assert.match(r.stdout, row.stdout);
      if (row.stderr) assert.match(r.stderr, row.stderr);
      if (row.code === 2) assert.equal(r.stdout, '', 'a usage error prints nothing on stdout');
    });
  }

  it('the top-level help lists only commands that exist: each one answers --help with 0', async () => {
    const help = (await cli(['--help'])).stdout;
    const listed = [...help.slice(help.indexOf('Commands:')).matchAll(/^ {2}([a-z][a-z-]*)\b/gm)].map((m) => m[1] as string);
    assert.ok(listed.includes('audit') && listed.includes('completion'), listed.join(' '));
    for (const name of listed.filter((n) => n !== 'help')) {
      const r = await cli([name, '--help']);
      assert.equal(r.code, 0, `${name} --help: ${r.stderr}`);
      assert.match(r.stdout, new RegExp(`^Usage: kvmio ${name}\\b`));
    }
    assert.ok(!listed.includes('man'), 'the man page generator is hidden');
  });
});
