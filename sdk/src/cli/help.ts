/**
 * `aegis keys --help` (or `aegis help keys`): the lines of the full help that describe that
 * command, then the options every command takes — rather than the whole page again, where the
 * one command asked about is hard to find. Undefined for a word the help does not describe.
 */
export function helpFor(help: string, program: string, word: string): string | undefined {
  const commandsAt = help.indexOf('\nCommands:\n');
  const optionsAt = help.indexOf('\n\nOptions:\n');
  if (commandsAt < 0 || optionsAt < 0) return undefined;
  const chosen = entries(help.slice(commandsAt + '\nCommands:\n'.length, optionsAt)).filter(
    (entry) => entry.trimStart().split(/\s/, 1)[0] === word,
  );
  if (chosen.length === 0) return undefined;
  return `Usage: ${program} ${word} …\n\n${chosen.join('\n')}${help.slice(optionsAt)}`;
}

/** A command's entry: its first line (two spaces in) and the deeper-indented lines after it. */
function entries(block: string): string[] {
  const found: string[] = [];
  for (const line of block.split('\n')) {
    const last = found.length - 1;
    if (/^ {2}\S/.test(line) || last < 0) found.push(line);
    else found[last] += `\n${line}`;
  }
  return found;
}

/** `agnets` → `agents`: the known command within two edits of a typo, if exactly one is closest. */
export function closestCommand(word: string, known: readonly string[]): string | undefined {
  const scored = known.map((name) => ({ name, distance: editDistance(word, name) }));
  const best = Math.min(...scored.map((s) => s.distance));
  const at = scored.filter((s) => s.distance === best);
  return best <= 2 && at.length === 1 ? at[0]?.name : undefined;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
