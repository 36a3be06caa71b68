import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { finished } from 'node:stream/promises';

const levels = ['INFO', 'INFO', 'INFO', 'DEBUG', 'WARN'];

/** The text of log line `i` (0-based): line `errorAt` is the one ERROR among them. */
export function logLine(i: number, errorAt: number): string {
  const at = new Date(Date.UTC(2026, 0, 1) + i * 250).toISOString();
  if (i === errorAt) return `${at} ERROR payment ${i}: card declined (upstream timeout after 30000 ms)`;
  return `${at} ${levels[i % levels.length]} request ${i} GET /orders/${i % 9973} 200 in ${(i * 37) % 900} ms`;
}

/** Writes a log file of `lines` lines whose only ERROR is at line `errorAt` (0-based; -1 for none). */
export async function generateLog(path: string, lines: number, errorAt: number): Promise<void> {
  const out = createWriteStream(path);
  for (let i = 0; i < lines; i++) {
    if (!out.write(`${logLine(i, errorAt)}\n`)) await once(out, 'drain');
  }
  out.end();
  await finished(out);
}
