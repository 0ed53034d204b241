// size_formatted and the *_html escaping are the contract's, shared with the client.
export { escapeHtml, formatSize } from '@upshot/schema';

const pad = (n: number): string => String(n).padStart(2, '0');

/** `YYYY-MM-DD HH:MM:SS` in UTC. */
export const formatGmt = (date: Date): string =>
  `${date.getUTCFullYear()}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())} ${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}`;

/** `YYYY-MM-DD HH:MM:SS` in the server's time zone. */
export const formatLocal = (date: Date): string =>
  `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;

/** The folder of an upload: YYYY/MM/DD (UTC). */
export const datePath = (date: Date): string =>
  `${date.getUTCFullYear()}/${pad(date.getUTCMonth() + 1)}/${pad(date.getUTCDate())}`;

/** `MM:SS`, minutes zero-padded and not capped; empty for 0. */
export const formatDuration = (seconds: number): string =>
  seconds <= 0 ? '' : `${pad(Math.floor(seconds / 60))}:${pad(seconds % 60)}`;

export function truncateTitle(title: string): string {
  const chars = [...title];
  return chars.length <= 28 ? title : `${chars.slice(0, 25).join('').trimEnd()}...`;
}

export function howLongAgo(then: Date, now: Date): string {
  const seconds = Math.max(0, Math.floor((now.getTime() - then.getTime()) / 1000));
  const steps: [number, string][] = [
    [31_536_000, 'year'],
    [2_592_000, 'month'],
    [604_800, 'week'],
    [86_400, 'day'],
    [3_600, 'hour'],
    [60, 'minute'],
  ];
  for (const [size, unit] of steps) {
    const n = Math.floor(seconds / size);
    if (n >= 1) return `${n} ${unit}${n === 1 ? '' : 's'} ago`;
  }
  return 'moments ago';
}
