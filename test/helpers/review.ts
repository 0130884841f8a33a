/** A reviewer's answer as the review schema asks, for scripted reviewers: each finding gets the fields it omits. */
export function reviewAnswer(
  verdict: 'approve' | 'request-changes',
  findings: Record<string, unknown>[] = [],
  criteria: { text: string; status: string; evidence: string[] }[] = [],
): string {
  return JSON.stringify({
    verdict,
    findings: findings.map((f, i) => ({
      id: `F${i + 1}`,
      severity: 'major',
      category: 'bug',
      file: null,
      line: null,
      endLine: null,
      suggestion: null,
      confidence: 0.8,
      reviewers: [],
      message: 'something is wrong',
      ...f,
    })),
    audit: { criteria, scopeDrift: [] },
    disputes: [],
  });
}
