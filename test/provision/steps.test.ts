import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { applySteps, renderStep, type Step, type StepRunner } from '../../src/provision/steps.js';
import { withTempDir } from '../helpers.js';

/** Records argv; fails the commands named in `failing`. */
function recorder(failing: string[]): { runner: StepRunner; calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    runner: {
      run: async (argv) => {
        calls.push(argv.join(' '));
        if (failing.includes(argv[0] ?? '')) throw new Error(`${argv[0]} failed`);
        return { code: 0, stderr: '' };
      },
    },
  };
}

describe('applySteps', () => {
  it('runs steps in order and undoes the finished ones, newest first, when one fails', async () => {
    const { runner, calls } = recorder(['lvcreate']);
    const steps: Step[] = [
      { kind: 'exec', argv: ['pvcreate', '/dev/x'], why: '', undo: ['pvremove', '/dev/x'] },
      { kind: 'exec', argv: ['vgcreate', 'vg', '/dev/x'], why: '', undo: ['vgremove', '-f', 'vg'] },
      { kind: 'exec', argv: ['lvcreate', '--type', 'thin-pool'], why: '' },
    ];
    await assert.rejects(applySteps(steps, {}, runner), /lvcreate --type thin-pool failed: .*undone: vgremove -f vg; pvremove \/dev\/x/);
    assert.deepEqual(calls, ['pvcreate /dev/x', 'vgcreate vg /dev/x', 'lvcreate --type thin-pool', 'vgremove -f vg', 'pvremove /dev/x']);
  });

  it('claims an image name with O_EXCL and removes the claim if qemu-img fails', async () => {
    await withTempDir(async (dir) => {
      const path = join(dir, 'a.raw');
      const { runner } = recorder(['qemu-img']);
      await assert.rejects(applySteps([{ kind: 'reserve-file', path, why: '' }, { kind: 'exec', argv: ['qemu-img', 'create'], why: '' }], {}, runner), /undone: rm /);
      assert.equal(existsSync(path), false);
    });
  });

  it('never takes over a name that appeared before the claim', async () => {
    await withTempDir(async (dir) => {
      const path = join(dir, 'b.raw');
      writeFileSync(path, 'precious');
      const { runner, calls } = recorder([]);
      await assert.rejects(applySteps([{ kind: 'reserve-file', path, why: '' }, { kind: 'exec', argv: ['qemu-img', 'create', path], why: '' }], {}, runner), /EEXIST/);
      assert.deepEqual(calls, []);
      assert.equal(existsSync(path), true);
    });
  });

  it('hands a file step its content through a private temporary file', async () => {
    let seen = '';
    const runner: StepRunner = {
      run: async (argv) => {
        const { readFileSync } = await import('node:fs');
        seen = readFileSync(argv[1] as string, 'utf8');
        return { code: 0, stderr: '' };
      },
    };
    await applySteps([{ kind: 'exec', argv: ['virsh', 'disk.xml'], why: '', file: { name: 'disk.xml', content: '<disk/>' } }], {}, runner);
    assert.equal(seen, '<disk/>');
    assert.equal(renderStep({ kind: 'exec', argv: ['virsh', 'attach-device', 'web', 'disk.xml', '--config'], why: '', file: { name: 'disk.xml', content: '<disk/>\n' } }), "cat > disk.xml <<'EOF'\n<disk/>\nEOF\nvirsh attach-device web disk.xml --config");
  });
});
