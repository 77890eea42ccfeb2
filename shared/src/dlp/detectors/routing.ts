import { isAbaRoutingValid } from '../checksums';
import type { KeyContext } from '../keys';
import { labelFinder, matchInRuns, type NumericRun } from '../runs';
import type { MatchSink } from '../types';

const NINE_DIGITS = /(?<!\d)\d{9}(?!\d)/g;
const ROUTING_LABEL = /routing|\baba\b|\brtn\b|transit/gi;
const ANY_ROUTING_LABEL = /routing|\baba\b|\brtn\b|transit/i;
const LABEL_FILLER = /^[\w .#:=/]*$/;

/**
 * US ABA routing numbers: nine digits with a valid checksum and an issued prefix. One random
 * nine-digit number in ~25 passes both, so a routing number needs a routing-named field or a
 * "routing"/"ABA"/"RTN" label just before it.
 */
export function findRoutingNumbers(text: string, runs: readonly NumericRun[], context: KeyContext, out: MatchSink): void {
  if (!context.routing && !ANY_ROUTING_LABEL.test(text)) return;
  const afterLabel = context.routing ? () => true : labelFinder(text, ROUTING_LABEL, 20, LABEL_FILLER);
  matchInRuns(NINE_DIGITS, text, runs, 9, (m) => {
    if (!isAbaRoutingValid(m[0])) return;
    const labelled = afterLabel(m.index);
    if (!labelled) return;
    out.push({
      detector: 'routing',
      start: m.index,
      end: m.index + 9,
      confidence: 0.9,
    });
  });
}
