/** "Did you mean ...?" for ids and names typed by hand. */

/** The closest candidate by edit distance (case-blind), when close enough to be a likely typo. */
export function closest(word: string, candidates: Iterable<string>): string | undefined {
  const w = word.toLowerCase();
  let best: string | undefined;
  let bestD = Math.max(2, Math.floor(word.length / 3)) + 1;
  for (const c of candidates) {
    if (Math.abs(c.length - w.length) >= bestD) continue; // the distance is at least the difference in length
    const d = editDistance(w, c.toLowerCase(), bestD);
    if (d < bestD) [best, bestD] = [c, d];
  }
  return best;
}

/** The edit distance of a and b, or `limit` once it is sure to be at least that (a hundred thousand candidates are common). */
function editDistance(a: string, b: string, limit: number): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let least = i;
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (cur[j] < least) least = cur[j];
    }
    if (least >= limit) return limit;
    prev = cur;
  }
  return prev[b.length];
}
