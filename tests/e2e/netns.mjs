// netns.mjs -- the network namespaces of the tests that put a browser on a
// real link of their own (blocked UDP, a cut link, a narrow downlink, a weak
// lossy link): prerequisites, a namespace joined by a veth pair to the root
// namespace or to another namespace, and its removal on every way out.
//
// Each test names its own subnet (10.<subnet>.<pid % 250>.0/24), so tests that
// run side by side under `ctest -j` never put the same address on two links.
// Commands go into a namespace with `nsenter --net`, not `ip netns exec`: that
// one also remounts / and /sys, which fails in a chroot whose / is no mount
// point (CI's fresh root).

import { spawnSync } from 'node:child_process';

export function have(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

/** A missing prerequisite: skip (exit 77) on a developer's machine, fail under CI. */
export function skip(why) {
  if (process.env.CI === 'true') {
    console.log(`FAIL - prerequisite: ${why} (CI must run this test; scripts/setup.sh installs it)`);
    process.exit(1);
  }
  console.log(`# skipped: ${why}`);
  process.exit(77);
}

/** Root and the commands the test needs, or skip. */
export function needNamespaces(cmds) {
  if (process.getuid && process.getuid() !== 0) skip('network namespaces need root');
  for (const cmd of ['ip', 'nsenter', ...cmds]) if (!have(cmd)) skip(`${cmd} is missing`);
}

export function run(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${(r.stderr || r.stdout || '').trim()}`);
  return r.stdout;
}

/** nsenter's arguments to run cmd in namespace ns (null: the root namespace). */
export const nsArgs = (ns, cmd, args) => (ns ? [`--net=/run/netns/${ns}`, cmd, ...args] : null);
export const inNs = (ns, cmd, args) => (ns ? run('nsenter', nsArgs(ns, cmd, args)) : run(cmd, args));

/** A shell wrapper that starts Chromium inside namespace ns. */
export const chromiumIn = (ns, chromium) => `#!/bin/sh\nexec nsenter --net=/run/netns/${ns} ${chromium} "$@"\n`;

const live = new Set();   // links made and not yet removed
const onExit = [];
let hooked = false;
function hook() {
  if (hooked) return;
  hooked = true;
  process.on('exit', () => {
    for (const f of onExit) { try { f(); } catch { /* going anyway */ } }
    for (const link of [...live]) link.remove();
  });
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(130));
}

/** Run f when the test exits, however it exits, before its links are removed
 *  (kill the processes it started by PID there). */
export function atExit(f) { hook(); onExit.push(f); }

/**
 * A veth pair between two ends: `far`, a namespace made for it, and `near`,
 * the root namespace (nearNs null) or a second namespace made for it.
 *   const link = vethLink({ prefix: 'yfd', subnet: 233 });
 *   link.make();  link.far(cmd, args);  link.near(cmd, args);  link.remove();
 * link.NS / link.NEAR_NS are the namespaces' names, link.FAR_IF / link.NEAR_IF
 * the interfaces, link.FAR_IP / link.NEAR_IP their addresses (/24).
 */
export function vethLink({ prefix, subnet, nearNs = false }) {
  const tag = (process.pid % 100000).toString(36);
  const net = `10.${subnet}.${process.pid % 250}`;
  const link = {
    NS: `${prefix}-p-${tag}`,
    NEAR_NS: nearNs ? `${prefix}-s-${tag}` : null,
    FAR_IF: `${prefix}-p`,
    NEAR_IF: `${prefix}-h${tag}`.slice(0, 15),
    NEAR_IP: `${net}.1`,
    FAR_IP: `${net}.2`,
    made: [],
    far: (cmd, args) => inNs(link.NS, cmd, args),
    near: (cmd, args) => inNs(link.NEAR_NS, cmd, args),
    make() {
      hook();
      live.add(link);
      for (const ns of [link.NEAR_NS, link.NS]) {
        if (!ns) continue;
        run('ip', ['netns', 'add', ns]);
        link.made.push(ns);
        inNs(ns, 'ip', ['link', 'set', 'lo', 'up']);
      }
      // Made inside the far namespace, one end moved to the near side:
      // deleting the namespace removes the pair, and its qdiscs with it.
      link.far('ip', ['link', 'add', link.FAR_IF, 'type', 'veth', 'peer', 'name', link.NEAR_IF]);
      link.far('ip', ['link', 'set', link.NEAR_IF, 'netns', link.NEAR_NS || '1']);
      link.near('ip', ['addr', 'add', `${link.NEAR_IP}/24`, 'dev', link.NEAR_IF]);
      link.far('ip', ['addr', 'add', `${link.FAR_IP}/24`, 'dev', link.FAR_IF]);
      // No IPv6 link-local addresses: one appearing a second or two after
      // the link comes up (when its duplicate check ends) is a network
      // change to Chromium, which then fails the page load in flight
      // (ERR_NETWORK_CHANGED).
      link.near('ip', ['link', 'set', link.NEAR_IF, 'addrgenmode', 'none']);
      link.far('ip', ['link', 'set', link.FAR_IF, 'addrgenmode', 'none']);
      link.near('ip', ['link', 'set', link.NEAR_IF, 'up']);
      link.far('ip', ['link', 'set', link.FAR_IF, 'up']);
    },
    remove() {
      live.delete(link);
      for (const ns of link.made.splice(0)) spawnSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
      // Gone with the namespace; in case the move to the root failed half way.
      if (!link.NEAR_NS) spawnSync('ip', ['link', 'del', link.NEAR_IF], { stdio: 'ignore' });
    },
    /** True when nothing of the link is left (checked after remove()). */
    gone() {
      const names = run('ip', ['netns', 'list']);
      const still = [link.NS, link.NEAR_NS].filter((ns) => ns && names.split('\n').some((l) => l.split(' ')[0] === ns));
      const veth = !link.NEAR_NS && spawnSync('ip', ['link', 'show', link.NEAR_IF], { stdio: 'ignore' }).status === 0;
      return { ok: still.length === 0 && !veth, left: [...still, ...(veth ? [link.NEAR_IF] : [])].join(' ') || 'none left' };
    },
  };
  return link;
}
