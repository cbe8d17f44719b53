import { readFileSync } from "node:fs";

/** Linux USER_HZ: /proc reports CPU time in these ticks. */
const CLOCK_TICKS_PER_SECOND = 100;

/** VmRSS of a process, in KiB, from /proc/<pid>/status. */
export function rssKb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
  if (!match) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(match[1]);
}

/** User + system CPU seconds a process has used, from /proc/<pid>/stat. */
export function processCpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // Fields after the parenthesised command name: state is [0], utime [11], stime [12].
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
}

/** CPU seconds all CPUs of the machine spent busy (everything but idle and iowait), from /proc/stat. */
export function machineBusyCpuSeconds(): number {
  const line = readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "";
  const [, ...ticks] = line.trim().split(/\s+/).map(Number);
  // user nice system idle iowait irq softirq steal (guest time is already in user)
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = ticks;
  return (user + nice + system + irq + softirq + steal) / CLOCK_TICKS_PER_SECOND;
}

/**
 * CPU use of the server, the fleet (one process or several) and everything else on the machine over an interval, in percent of one
 * core. "Other" is the noise from processes outside the benchmark (other engineers' builds and tests).
 */
export function cpuMeter(serverPid: number, fleetPid: number | readonly number[]) {
  const fleetPids = typeof fleetPid === "number" ? [fleetPid] : fleetPid;
  const fleetCpu = () => fleetPids.reduce((sum, pid) => sum + processCpuSeconds(pid), 0);
  const start = {
    at: performance.now(),
    server: processCpuSeconds(serverPid),
    fleet: fleetCpu(),
    machine: machineBusyCpuSeconds(),
  };
  return () => {
    const seconds = (performance.now() - start.at) / 1000;
    const server = processCpuSeconds(serverPid) - start.server;
    const fleet = fleetCpu() - start.fleet;
    const machine = machineBusyCpuSeconds() - start.machine;
    const percent = (cpuSeconds: number) => Math.round((cpuSeconds / seconds) * 1000) / 10;
    return {
      seconds,
      serverPercent: percent(server),
      fleetPercent: percent(fleet),
      otherPercent: percent(Math.max(0, machine - server - fleet)),
    };
  };
}

export type CpuUse = ReturnType<ReturnType<typeof cpuMeter>>;
