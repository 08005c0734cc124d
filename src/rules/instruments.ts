/** Matching a deal's symbol against a rule's or a news release's instruments (news_window, max_lots_per_order). */

/** Whether a symbol is covered by a list of currencies/symbols (case-insensitive substring); no list = all. */
export function matchesInstrument(symbol: string, instruments: readonly string[] | undefined): boolean {
  if (!instruments || instruments.length === 0) return true;
  const s = symbol.toUpperCase();
  return instruments.some((i) => s.includes(i.toUpperCase()));
}
