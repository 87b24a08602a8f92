// aio.max-nr: headroom between fs.aio-nr (in use) and fs.aio-max-nr (the limit). Past
// the limit io_setup fails with EAGAIN and QEMU cannot start native-AIO disks.
import type { HostFacts } from '../facts/host-facts.js';
import { fixAnd, fixText, withAction, type Finding, type Fix } from '../model/finding.js';
import { AIO_MAX_NR_KEY } from '../model/host-files.js';
import { fixWords, sedReplacement } from './fix-words.js';
import {
  AIO_FAIL_FRACTION, AIO_HEADROOM, AIO_HEADROOM_VMS, AIO_FREE_WANTED, AIO_MAX_NR_RECOMMENDED, AIO_PER_CONTEXT, AIO_PER_VM_ONE_IOTHREAD, REF, SYSCTL_FILE,
} from './host-defaults.js';

/**
 * `kvmio fix --only aio --vms N [--iothreads M] --yes`: what kvmio itself runs to raise
 * fs.aio-max-nr, live and in the one sysctl.d file it manages (SYSCTL_FILE), journaled.
 * Its sizing (recommend-aio.ts: N × (1 + M) × 1024 × headroom, next power of two) reaches
 * `value` with N = value / (1024 × headroom) VMs without iothreads.
 */
export function aioFixCommand(value: number, counts?: { readonly vms: number; readonly iothreads: number }): Fix {
  const vms = counts?.vms ?? Math.max(1, Math.ceil(value / (AIO_PER_CONTEXT * AIO_HEADROOM)));
  const iot = counts && counts.iothreads > 0 ? ['--iothreads', counts.iothreads] : [];
  return withAction(
    fixAnd(fixWords(['kvmio', 'fix', '--only', 'aio', '--vms', vms, ...iot, '--yes']), fixText` (fs.aio-max-nr ≥ ${value}, set live and persisted in ${SYSCTL_FILE})`, ''),
    { kind: 'host-fix', only: 'aio' },
  );
}

/** kvmio's fix, and where another sysctl.d file already sets the key (it may win at boot), that file edited too. */
export function aioFix(value: number, facts: HostFacts): Fix {
  const settings = facts.sysctl.ok ? facts.sysctl.value.filter((x) => x.key.trim().replace(/\//g, '.') === AIO_MAX_NR_KEY) : [];
  const winner = settings[settings.length - 1];
  const fix = aioFixCommand(value);
  return winner && winner.file !== SYSCTL_FILE ? fixAnd(fix, fixWords(['sed', '-i', `${winner.line}s/.*/${sedReplacement(`fs.aio-max-nr = ${value}`)}/`, winner.file])) : fix;
}

export function auditAio(facts: HostFacts): Finding[] {
  const id = 'aio.max-nr';
  const ref = REF.aio;
  if (!facts.aio.ok) return [{ id, object: 'host', status: 'skip', why: `fs.aio-nr/fs.aio-max-nr unreadable: ${facts.aio.reason}`, ref }];
  const { nr, maxNr } = facts.aio.value;
  const free = Math.max(0, maxNr - nr);
  const pct = maxNr > 0 ? Math.round((nr / maxNr) * 100) : 100;
  const observed = `aio-nr ${nr} of aio-max-nr ${maxNr} (${pct}% used, ${free} free)`;
  const target = Math.max(AIO_MAX_NR_RECOMMENDED, nr + AIO_FREE_WANTED);
  const arithmetic =
    `each AioContext doing native AIO charges ${AIO_PER_CONTEXT}, so a VM takes ${AIO_PER_CONTEXT} × (1 + iothreads serving native disks): ` +
    `${free} free fits ${Math.floor(free / AIO_PER_VM_ONE_IOTHREAD)} more VMs with one iothread (${Math.floor(free / AIO_PER_CONTEXT)} without)`;
  if (maxNr <= 0 || nr >= maxNr * AIO_FAIL_FRACTION) {
    return [{
      id, object: 'host', status: 'fail', observed, expected: `aio-nr below ${Math.round(AIO_FAIL_FRACTION * 100)}% of aio-max-nr (set ${target})`,
      why: `near or at the limit: io_setup fails with EAGAIN and QEMU reports "Unable to use native AIO"; ${arithmetic}`,
      fix: aioFix(target, facts), ref,
    }];
  }
  if (!facts.roles.kvmHost) {
    return [{ id, object: 'host', status: 'pass', observed, expected: `aio-nr below ${Math.round(AIO_FAIL_FRACTION * 100)}% of aio-max-nr`, why: 'not a KVM host: only local programs use native AIO here, and they are well below the limit', ref }];
  }
  const expected = `≥ ${AIO_FREE_WANTED} free (${AIO_HEADROOM_VMS} VMs × ${AIO_PER_VM_ONE_IOTHREAD}); recommended aio-max-nr ${AIO_MAX_NR_RECOMMENDED}`;
  if (free < AIO_FREE_WANTED) {
    return [{
      id, object: 'host', status: 'warn', observed, expected,
      why: `${arithmetic}; we want room for ${AIO_HEADROOM_VMS} such VMs (${AIO_FREE_WANTED}); raising the limit pre-allocates nothing (Harvester uses ${AIO_MAX_NR_RECOMMENDED})`,
      fix: aioFix(target, facts), ref,
    }];
  }
  return [{ id, object: 'host', status: 'pass', observed, expected, why: arithmetic, ref }];
}
