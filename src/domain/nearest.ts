/** "Did you mean …": the accepted word closest to a typo, by edit distance. */

/** The accepted word closest to `typo` (case-insensitive), when it is close enough to be what was meant. */
export function nearest(typo: string, accepted: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const word of accepted) {
    const d = editDistance(typo.toLowerCase(), word.toLowerCase());
    if (d < bestDistance) {
      best = word;
      bestDistance = d;
    }
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(best.length / 3)) ? best : undefined;
}

/** Levenshtein distance: insertions, deletions and substitutions each cost one. */
export function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length]!;
}

/** `; did you mean "claude"?` when a close word exists, else nothing: for appending to an error. */
export function didYouMean(typo: string, accepted: readonly string[]): string {
  const word = nearest(typo, accepted);
  return word === undefined ? '' : `; did you mean "${word}"?`;
}
