// Loaded with `node -r` into a measured process: at exit, writes {"hwm": peak RSS, "rss": current RSS} in bytes
// to $BENCH_RSS_FILE, from /proc/self/status (getrusage's ru_maxrss survives exec on Linux and would report the
// parent's peak). A baseline uses "rss" of an idle run; a job uses "hwm".
const { readFileSync, writeFileSync } = require('node:fs');
process.on('exit', () => {
	if (!process.env.BENCH_RSS_FILE) return;
	const status = readFileSync('/proc/self/status', 'utf8');
	const kb = (name) => Number(new RegExp(`${name}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0) * 1024;
	writeFileSync(process.env.BENCH_RSS_FILE, JSON.stringify({ hwm: kb('VmHWM'), rss: kb('VmRSS') }));
});
