import type { ViewSubmitAction } from '@slack/bolt';

/** Keeps only errors whose block exists in the view (Slack rejects the others), else puts them on `fallback`. */
export function errorsFor(view: ViewSubmitAction['view'], errors: Record<string, string>, fallback: string): Record<string, string> {
  const present = new Set(view.blocks.map((b) => b.block_id));
  const out: Record<string, string> = {};
  for (const [block, message] of Object.entries(errors)) {
    const key = present.has(block) ? block : fallback;
    out[key] = out[key] ? `${out[key]} ${message}` : message;
  }
  return out;
}
