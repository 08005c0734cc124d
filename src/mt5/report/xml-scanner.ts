/** A forward-only XML tag scanner for the xlsx parts: linear in the text whatever the markup. */

/**
 * Walks the tags of an XML text in order. Each `<` starts markup that ends at the next `>` (or
 * `-->`, `]]>`, `?>`); the cursor only moves forward, so a scan is linear in the text. Text between
 * tags is `xml.slice(prevEnd, start)`. Malformed markup (a `<` with no `>`) ends the scan.
 */
export class XmlScanner {
  /** Local name (prefix dropped), e.g. `row`, `c`, `v`. Empty for comments, PIs and CDATA. */
  name = '';
  attrs = '';
  closing = false;
  selfClosing = false;
  /** Index of the tag's `<`. */
  start = 0;
  /** Index just after the tag's `>`. */
  end = 0;
  private pos = 0;

  constructor(private readonly xml: string) {}

  next(): boolean {
    const xml = this.xml;
    const lt = xml.indexOf('<', this.pos);
    if (lt < 0) return false;
    this.start = lt;
    const c1 = xml.charCodeAt(lt + 1);
    if (c1 === 0x21 /* ! */ || c1 === 0x3f /* ? */) {
      const closer = xml.startsWith('<!--', lt)
        ? '-->'
        : xml.startsWith('<![CDATA[', lt)
          ? ']]>'
          : c1 === 0x3f
            ? '?>'
            : '>';
      const e = xml.indexOf(closer, lt + 2);
      if (e < 0) return false;
      this.name = '';
      this.attrs = '';
      this.closing = false;
      this.selfClosing = true;
      this.end = this.pos = e + closer.length;
      return true;
    }
    const gt = xml.indexOf('>', lt + 1);
    if (gt < 0) return false;
    this.end = this.pos = gt + 1;
    this.closing = c1 === 0x2f; /* / */
    let i = this.closing ? lt + 2 : lt + 1;
    const nameStart = i;
    let colon = -1;
    for (; i < gt; i++) {
      const c = xml.charCodeAt(i);
      if (c === 0x3a) colon = i;
      else if (c <= 0x20 || c === 0x2f) break;
    }
    this.name = xml.slice(colon >= 0 ? colon + 1 : nameStart, i);
    this.selfClosing = xml.charCodeAt(gt - 1) === 0x2f;
    this.attrs = i < gt ? xml.slice(i, this.selfClosing ? gt - 1 : gt) : '';
    return true;
  }
}

const isSpace = (c: number) => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;

/** The value of attribute `name` (local name, prefix ignored) in a tag's attribute text; one linear pass. */
export function attr(attrs: string, name: string): string | undefined {
  const n = attrs.length;
  let i = 0;
  while (i < n) {
    while (i < n && (isSpace(attrs.charCodeAt(i)) || attrs.charCodeAt(i) === 0x2f)) i++;
    const keyStart = i;
    let colon = -1;
    while (i < n) {
      const c = attrs.charCodeAt(i);
      if (c === 0x3d || isSpace(c) || c === 0x2f) break;
      if (c === 0x3a) colon = i;
      i++;
    }
    const localStart = colon >= 0 ? colon + 1 : keyStart;
    const matches = i - localStart === name.length && attrs.startsWith(name, localStart);
    if (i === keyStart) i++;
    while (i < n && isSpace(attrs.charCodeAt(i))) i++;
    if (attrs.charCodeAt(i) !== 0x3d) continue; // attribute without a value
    i++;
    while (i < n && isSpace(attrs.charCodeAt(i))) i++;
    const q = attrs.charCodeAt(i);
    let value: string;
    if (q === 0x22 || q === 0x27) {
      let e = attrs.indexOf(q === 0x22 ? '"' : "'", i + 1);
      if (e < 0) e = n;
      value = attrs.slice(i + 1, e);
      i = e + 1;
    } else {
      const s = i;
      while (i < n && !isSpace(attrs.charCodeAt(i))) i++;
      value = attrs.slice(s, i);
    }
    if (matches) return value;
  }
  return undefined;
}
