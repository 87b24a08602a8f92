// Benchmark (not a test): `kvmio audit` of 20 hosts over real ssh (sshd in network
// namespaces, test/netns.ts) with --parallel 8; prints the wall time, the time per host
// and, side by side, one host alone and a local `kvmio audit --from` of a dump.
// Target (issue 14): 20 hosts in <= 10 s on this machine.
//   npm run build && node dist/bench/fleet-audit.js        (HOSTS=20 PARALLEL=8 by default)
import { loadavg, cpus } from 'node:os';
import { withSshLab } from '../test/netns.js';

const HOSTS = Number(process.env.HOSTS ?? 20);
const PARALLEL = Number(process.env.PARALLEL ?? 8);
const out = (s: string): void => void process.stdout.write(`${s}\n`);

await withSshLab(Array.from({ length: HOSTS }, () => 'ok' as const), async (lab) => {
  const hosts = lab.hosts.flatMap((h) => ['--host', `root@${h.address}`]);
  const timed = async (args: string[]): Promise<{ ms: number; code: number; stdout: string; stderr: string }> => {
    const t = Date.now();
    const r = await lab.kvmio(args, { timeoutMs: 300_000 });
    return { ms: Date.now() - t, ...r };
  };
  const one = await timed(['audit', ...hosts.slice(0, 2), '--ssh-config', lab.sshConfig, '--json']);
  const all = await timed(['audit', ...hosts, '--ssh-config', lab.sshConfig, '--parallel', String(PARALLEL), '--json']);
  const rep = JSON.parse(all.stdout) as { hosts: { ok: boolean; durationMs: number }[] };
  const failed = rep.hosts.filter((h) => !h.ok).length;
  const perHost = rep.hosts.map((h) => h.durationMs).sort((a, b) => a - b);
  const med = perHost[Math.floor(perHost.length / 2)] ?? 0;
  out(`machine: ${cpus().length} CPUs, load ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  out(`1 host:            ${one.ms} ms wall (exit ${one.code})`);
  out(`${HOSTS} hosts, --parallel ${PARALLEL}: ${all.ms} ms wall, ${(all.ms / HOSTS).toFixed(0)} ms per host (probe+ssh per host: median ${med} ms, max ${perHost[perHost.length - 1] ?? 0} ms); ${failed} failed`);
  out(`ratio ${HOSTS} hosts / 1 host: ${(all.ms / one.ms).toFixed(2)} (${HOSTS}x the work)`);
  out(`target: ${HOSTS} hosts <= 10000 ms: ${all.ms <= 10_000 ? 'met' : 'NOT met'}`);
  if (failed > 0) out(all.stderr);
});
