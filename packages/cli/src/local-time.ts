/**
 * Times in human output: this machine's local time to the second ("2026-12-01 10:03:12"),
 * which is what a person compares with their clock. --json keeps ISO 8601 UTC.
 */
const two = (n: number) => String(n).padStart(2, "0");

export function localTime(t: string | number | Date): string {
  const d = t instanceof Date ? t : new Date(t);
  if (Number.isNaN(d.getTime())) return String(t);
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

/** "1 snapshot", "3 snapshots". */
export function count(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
