/**
 * A fenced TypeScript or JavaScript block of a README. Its info string says what the pack test
 * does with it: `ts runnable` is type-checked against the installed tarballs and run;
 * `ts not-run: <reason>` is left alone, the reason saying why (a fragment, a server on a fixed
 * port, a database of yours). Any other ts/js block is an error, so a new example cannot rot
 * unnoticed.
 */
export interface ReadmeBlock {
  file: string;
  line: number;
  lang: 'ts' | 'js';
  mode: 'runnable' | 'not-run' | 'unmarked';
  code: string;
}

const LANGS: Record<string, 'ts' | 'js'> = { ts: 'ts', typescript: 'ts', js: 'js', javascript: 'js' };

export function readmeBlocks(markdown: string, file: string): ReadmeBlock[] {
  const lines = markdown.split('\n');
  const blocks: ReadmeBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,}|~{3,})\s*(\S*)\s*(.*)$/.exec(lines[i]!);
    if (!open) continue;
    const [, indent, fence, info, meta] = open as unknown as [string, string, string, string, string];
    const end = lines.findIndex((l, j) => j > i && l.trim().startsWith(fence) && l.trim().replace(/[`~]/g, '') === '');
    const close = end === -1 ? lines.length : end;
    const lang = LANGS[info.toLowerCase()];
    if (lang) {
      const mode =
        meta.trim() === 'runnable' ? 'runnable' : /^not-run:\s*\S/.test(meta.trim()) ? 'not-run' : 'unmarked';
      const code = lines
        .slice(i + 1, close)
        .map((l) => l.slice(indent.length))
        .join('\n');
      blocks.push({ file, line: i + 1, lang, mode, code });
    }
    i = close;
  }
  return blocks;
}
