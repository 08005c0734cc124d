/**
 * The "Open XML" (xlsx) export of an MT5 report (reference/mt5.md §4.2) in two shapes: the
 * terminal's own package (its sheet in mt5-report-terminal-sheet.ts) and what a generic spreadsheet
 * writer makes of the HTML rows.
 */
import { strToU8, zipSync } from 'fflate';
import { reportRows, utf16leWithBom } from './mt5-report-html.ts';
import { ENGLISH, type Labels } from './mt5-report-labels.ts';
import { MODEL, type ReportModel } from './mt5-report-model.ts';
import { terminalSheet } from './mt5-report-terminal-sheet.ts';
import { colName, PKG_REL, REL, SharedStrings, SML, sstXml, xmlEsc } from './mt5-report-xml.ts';

interface XlsxOptions {
  /**
   * `terminal` (default): what the MT5 terminal writes (a real export, HFM demo 2025, studied
   * cell by cell): every part UTF-16LE with a BOM and CRLF lines; 15 columns A..O in every row,
   * each cell of a merged range present as an empty styled `<c r s/>`; text in shared strings;
   * tickets, prices and money as numbers; Margin Level a ratio with a `0.00%` format; no hidden
   * comment or Cost column; no spacer rows between blocks; 20 empty rows under the summary
   * where the balance chart is anchored; totals rows partly as `SUM` formulas with cached values.
   * `compact`: what a generic spreadsheet writer makes of the HTML rows (only non-empty cells,
   * hidden cells left out, empty rows omitted, merged ranges without their covered cells).
   */
  shape?: 'terminal' | 'compact';
}

/** The terminal's "Open XML" export (reference/mt5.md §4.2) of the model. */
export function reportXlsx(labels: Labels = ENGLISH, model: ReportModel = MODEL, opts: XlsxOptions = {}): Uint8Array {
  return opts.shape === 'compact' ? compactXlsx(labels, model) : terminalXlsx(labels, model);
}

/** A generic writer's sheet: only non-empty cells, hidden cells left out, empty rows omitted; UTF-16LE parts. */
function compactXlsx(labels: Labels, model: ReportModel): Uint8Array {
  const sst = new SharedStrings();
  const merges: string[] = [];
  const xmlRows: string[] = [];
  reportRows(labels, model).forEach((row, r) => {
    let col = 0;
    const cells: string[] = [];
    for (const cell of row.cells) {
      if (cell.hidden) continue;
      const span = cell.span ?? 1;
      const ref = `${colName(col)}${r + 1}`;
      if (span > 1) merges.push(`<mergeCell ref="${ref}:${colName(col + span - 1)}${r + 1}"/>`);
      if (cell.num !== undefined) cells.push(`<c r="${ref}"><v>${cell.num.toFixed(6)}</v></c>`);
      else if (cell.t !== '') cells.push(`<c r="${ref}" t="s"><v>${sst.add(cell.t)}</v></c>`);
      col += span;
    }
    if (cells.length) xmlRows.push(`<row r="${r + 1}">${cells.join('')}</row>`);
  });
  const u16 = (xml: string) =>
    new Uint8Array(utf16leWithBom(`<?xml version="1.0" encoding="UTF-16" standalone="yes"?>\r\n${xml}`));
  const sheet = `<worksheet xmlns="${SML}"><sheetData>${xmlRows.join('')}</sheetData><mergeCells count="${merges.length}">${merges.join('')}</mergeCells></worksheet>`;
  return zipSync({
    '[Content_Types].xml': u16('<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'),
    'docProps/core.xml': u16(
      `<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>MetaTrader 5</dc:title><dc:subject>${model.login}:${xmlEsc(model.name)}</dc:subject></cp:coreProperties>`,
    ),
    'xl/workbook.xml': u16(`<workbook xmlns="${SML}"><sheets><sheet name="Sheet1" sheetId="1"/></sheets></workbook>`),
    'xl/sharedStrings.xml': u16(sstXml(sst.list, '')),
    'xl/worksheets/sheet1.xml': u16(sheet),
    'xl/styles.xml': strToU8(`<styleSheet xmlns="${SML}"/>`),
  });
}

/** `# ##0.00000` etc.: the terminal's own number formats; 204 is the percentage of Margin Level. */
const STYLES_XML = [
  `<styleSheet xmlns="${SML}">`,
  ' <numFmts count="6">',
  '  <numFmt numFmtId="200" formatCode="###0;-###0;0;"/>',
  '  <numFmt numFmtId="201" formatCode="# ##0.00000;-# ##0.00000;0.00000;"/>',
  '  <numFmt numFmtId="202" formatCode="# ##0.00;-# ##0.00;0.00;"/>',
  '  <numFmt numFmtId="203" formatCode="# ##0.000;-# ##0.000;0.000;"/>',
  '  <numFmt numFmtId="204" formatCode="# ##0.00%;-# ##0.00%;0.00%;"/>',
  '  <numFmt numFmtId="205" formatCode="# ##0;-# ##0;0;"/>',
  ' </numFmts>',
  ' <fonts count="6">',
  '  <font><sz val="11"/><color rgb="FF000000"/><name val="Tahoma"/></font>',
  '  <font><sz val="14"/><color rgb="FF000000"/><name val="Tahoma"/><b/></font>',
  '  <font><sz val="10"/><color rgb="FF000000"/><name val="Tahoma"/></font>',
  '  <font><sz val="10"/><color rgb="FF000000"/><name val="Tahoma"/><b/></font>',
  '  <font><sz val="8"/><color rgb="FF000000"/><name val="Tahoma"/><b/></font>',
  '  <font><sz val="8"/><color rgb="FF000000"/><name val="Tahoma"/></font>',
  ' </fonts>',
  ' <fills count="5">',
  '  <fill><patternFill patternType="none"/></fill>',
  '  <fill><patternFill patternType="gray125"/></fill>',
  '  <fill><patternFill patternType="solid"><fgColor rgb="FFFFFFFF"/></patternFill></fill>',
  '  <fill><patternFill patternType="solid"><fgColor rgb="FFE5F0FC"/></patternFill></fill>',
  '  <fill><patternFill patternType="solid"><fgColor rgb="FFF7F7F7"/></patternFill></fill>',
  ' </fills>',
  ' <borders count="3">',
  '  <border><left/><right/><top/><bottom/><diagonal/></border>',
  '  <border><left/><right/><top/><bottom style="thin"><color auto="1"/></bottom><diagonal/></border>',
  '  <border><left/><right/><top style="thin"><color auto="1" /></top><bottom/><diagonal/></border>',
  ' </borders>',
  ' <cellXfs count="23">',
  ...(
    [
      // numFmtId, fontId, fillId, borderId, horizontal
      [0, 0, 0, 0, ''],
      [0, 1, 2, 0, 'center'],
      [0, 2, 2, 0, 'right'],
      [0, 3, 2, 0, 'left'],
      [0, 3, 2, 0, 'center'],
      [0, 4, 3, 1, 'right'],
      [0, 5, 4, 0, 'right'],
      [200, 5, 4, 0, 'right'],
      [201, 5, 4, 0, 'right'],
      [202, 5, 4, 0, 'right'],
      [0, 5, 2, 0, 'right'],
      [200, 5, 2, 0, 'right'],
      [201, 5, 2, 0, 'right'],
      [202, 5, 2, 0, 'right'],
      [203, 5, 4, 0, 'right'],
      [203, 5, 2, 0, 'right'],
      [0, 3, 2, 2, 'center'],
      [0, 4, 2, 2, 'right'],
      [202, 4, 2, 2, 'right'],
      [202, 4, 2, 0, 'right'],
      [204, 4, 2, 0, 'right'],
      [0, 4, 2, 0, 'right'],
      [205, 4, 2, 0, 'right'],
    ] as const
  ).map(([fmt, font, fill, border, h]) =>
    h === ''
      ? `  <xf numFmtId="${fmt}" fontId="${font}" fillId="${fill}" borderId="${border}" xfId="0"/>`
      : `  <xf numFmtId="${fmt}" fontId="${font}" fillId="${fill}" borderId="${border}" applyNumberFormat="${fmt ? 1 : 0}" applyFont="1" applyFill="1" applyBorder="1" applyAlignment="1" applyProtection="1"><alignment horizontal="${h}" vertical="${h === 'center' && font === 3 ? 'bottom' : 'center'}"/></xf>`,
  ),
  ' </cellXfs>',
  '</styleSheet>',
].join('\r\n');

/** The terminal's package around its sheet: UTF-16LE parts with CRLF lines, the balance chart, the calcChain. */
function terminalXlsx(labels: Labels, model: ReportModel): Uint8Array {
  const { sheetXml, strings, formulas, firstDeal, lastDeal, chartFrom, chartTo } = terminalSheet(labels, model);
  const nl = '\r\n';
  const u16 = (xml: string) => new Uint8Array(utf16leWithBom(`<?xml version="1.0"?>${nl}${xml}`));
  const rel = (id: string, type: string, target: string) =>
    ` <Relationship Id="${id}" Type="${type}" Target="${target}"/>`;
  const rels = (...lines: string[]) => [`<Relationships xmlns="${PKG_REL}">`, ...lines, '</Relationships>'].join(nl);
  const ct = 'application/vnd.openxmlformats-officedocument';
  const empty = new Uint8Array(0);
  return zipSync({
    'docProps/': empty,
    'docProps/app.xml': u16(
      [
        '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"',
        '            xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">',
        ' <DocSecurity>0</DocSecurity>',
        ' <ScaleCrop>false</ScaleCrop>',
        ' <LinksUpToDate>false</LinksUpToDate>',
        ' <SharedDoc>false</SharedDoc>',
        ' <HyperlinksChanged>false</HyperlinksChanged>',
        ' <AppVersion>12.0000</AppVersion>',
        '</Properties>',
      ].join(nl),
    ),
    'docProps/core.xml': u16(
      [
        '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties"',
        '                   xmlns:dc="http://purl.org/dc/elements/1.1/"',
        '                   xmlns:dcterms="http://purl.org/dc/terms/"',
        '                   xmlns:dcmitype="http://purl.org/dc/dcmitype/"',
        '                   xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">',
        ' <dc:title>MetaTrader 5</dc:title>',
        ` <dc:subject>${model.login}:${xmlEsc(model.name)}</dc:subject>`,
        ` <dc:creator>${xmlEsc(model.company)}</dc:creator>`,
        ' <dc:description>Trade history report contains client positions and orders history</dc:description>',
        ` <cp:lastModifiedBy>${xmlEsc(model.company)}</cp:lastModifiedBy>`,
        ' <dcterms:created xsi:type="dcterms:W3CDTF">2024-03-06T18:00:00Z</dcterms:created>',
        ' <dcterms:modified xsi:type="dcterms:W3CDTF">2024-03-06T18:00:00Z</dcterms:modified>',
        ' <cp:category>Reports</cp:category>',
        '</cp:coreProperties>',
      ].join(nl),
    ),
    'xl/': empty,
    'xl/calcChain.xml': u16(
      [
        ` <calcChain xmlns="${SML}">`,
        ...formulas.reverse().map((ref, i) => `  <c r="${ref}"${i === 0 ? ' i="1"' : ''}/>`),
        ' </calcChain>',
      ].join(nl),
    ),
    'xl/charts/': empty,
    'xl/charts/chart1.xml': u16(
      [
        '<c:chartSpace xmlns:c="http://schemas.openxmlformats.org/drawingml/2006/chart"',
        '              xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"',
        `              xmlns:r="${REL}">`,
        '<c:chart>',
        ' <c:title><c:tx><c:rich><a:bodyPr/><a:lstStyle/><a:p><a:r><a:t>Balance graph</a:t></a:r></a:p></c:rich></c:tx><c:layout/></c:title>',
        ' <c:plotArea><c:layout/><c:lineChart><c:grouping val="standard"/><c:ser><c:idx val="0"/><c:order val="0"/><c:tx><c:v>Balance</c:v></c:tx>',
        `  <c:cat><c:strRef><c:f>('Sheet1'!$A$${firstDeal}:$A$${lastDeal})</c:f></c:strRef></c:cat>`,
        `  <c:val><c:numRef><c:f>('Sheet1'!$M$${firstDeal}:$M$${lastDeal})</c:f></c:numRef></c:val>`,
        ' </c:ser><c:axId val="110901120"/><c:axId val="110902656"/></c:lineChart></c:plotArea>',
        '</c:chart>',
        '</c:chartSpace>',
      ].join(nl),
    ),
    'xl/styles.xml': u16(STYLES_XML),
    'xl/sharedStrings.xml': u16(sstXml(strings, nl)),
    'xl/theme/': empty,
    'xl/theme/theme1.xml': u16(
      `<a:theme xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" name="Office Theme"><a:themeElements/></a:theme>`,
    ),
    'xl/workbook.xml': u16(
      [
        `<workbook xmlns="${SML}"`,
        `          xmlns:r="${REL}">`,
        ' <fileVersion appName="xl" lastEdited="4" lowestEdited="4" rupBuild="4505"/>',
        ' <workbookPr defaultThemeVersion="124226"/>',
        ' <bookViews>',
        '  <workbookView xWindow="180" yWindow="450" windowWidth="15000" windowHeight="7605"/>',
        ' </bookViews>',
        ' <sheets>',
        '  <sheet name="Sheet1" sheetId="1" r:id="rId1"/>',
        ' </sheets>',
        '</workbook>',
      ].join(nl),
    ),
    'xl/worksheets/_rels/': empty,
    'xl/worksheets/_rels/sheet1.xml.rels': u16(rels(rel('rId1', `${REL}/drawing`, '../drawings/drawing1.xml'))),
    'xl/drawings/_rels/': empty,
    'xl/drawings/_rels/drawing1.xml.rels': u16(rels(rel('rId1', `${REL}/chart`, '../charts/chart1.xml'))),
    'xl/drawings/': empty,
    'xl/drawings/drawing1.xml': u16(
      [
        '<xdr:wsDr xmlns:xdr="http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing"',
        '          xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main">',
        '<xdr:twoCellAnchor>',
        ` <xdr:from><xdr:col>0</xdr:col><xdr:colOff>0</xdr:colOff><xdr:row>${chartFrom}</xdr:row><xdr:rowOff>0</xdr:rowOff></xdr:from>`,
        ` <xdr:to><xdr:col>14</xdr:col><xdr:colOff>0</xdr:colOff><xdr:row>${chartTo}</xdr:row><xdr:rowOff>0</xdr:rowOff></xdr:to>`,
        ' <xdr:graphicFrame macro=""><xdr:nvGraphicFramePr><xdr:cNvPr id="1" name="Chart 1"/><xdr:cNvGraphicFramePr/></xdr:nvGraphicFramePr>',
        '  <xdr:xfrm><a:off x="0" y="0"/><a:ext cx="0" cy="0"/></xdr:xfrm>',
        `  <a:graphic><a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/chart"><c:chart xmlns:c="http://schemas.openxmlformats.org/drawingml/2006/chart" xmlns:r="${REL}" r:id="rId1"/></a:graphicData></a:graphic>`,
        ' </xdr:graphicFrame>',
        ' <xdr:clientData/>',
        '</xdr:twoCellAnchor>',
        '</xdr:wsDr>',
      ].join(nl),
    ),
    'xl/worksheets/': empty,
    'xl/worksheets/sheet1.xml': u16(sheetXml),
    'xl/_rels/': empty,
    'xl/_rels/workbook.xml.rels': u16(
      rels(
        rel('rId1', `${REL}/worksheet`, 'worksheets/sheet1.xml'),
        rel('rId2', `${REL}/sharedStrings`, 'sharedStrings.xml'),
        rel('rId3', `${REL}/styles`, 'styles.xml'),
        rel('rId4', `${REL}/theme`, 'theme/theme1.xml'),
        rel('rId5', `${REL}/calcChain`, 'calcChain.xml'),
      ),
    ),
    '[Content_Types].xml': u16(
      [
        ` <Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">`,
        `  <Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>`,
        '  <Default Extension="xml" ContentType="application/xml"/>',
        `  <Override PartName="/docProps/app.xml" ContentType="${ct}.extended-properties+xml"/>`,
        `  <Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>`,
        `  <Override PartName="/xl/sharedStrings.xml" ContentType="${ct}.spreadsheetml.sharedStrings+xml"/>`,
        `  <Override PartName="/xl/styles.xml" ContentType="${ct}.spreadsheetml.styles+xml"/>`,
        `  <Override PartName="/xl/theme/theme1.xml" ContentType="${ct}.theme+xml"/>`,
        `  <Override PartName="/xl/calcChain.xml" ContentType="${ct}.spreadsheetml.calcChain+xml"/>`,
        `  <Override PartName="/xl/workbook.xml" ContentType="${ct}.spreadsheetml.sheet.main+xml"/>`,
        `  <Override PartName="/xl/worksheets/sheet1.xml" ContentType="${ct}.spreadsheetml.worksheet+xml"/>`,
        `  <Override PartName="/xl/drawings/drawing1.xml" ContentType="${ct}.drawing+xml"/>`,
        `  <Override PartName="/xl/charts/chart1.xml" ContentType="${ct}.drawingml.chart+xml"/>`,
        ' </Types>',
      ].join(nl),
    ),
    '_rels/': empty,
    '_rels/.rels': u16(
      rels(
        rel('rId3', `${REL}/extended-properties`, 'docProps/app.xml'),
        rel('rId2', `${PKG_REL}/metadata/core-properties`, 'docProps/core.xml'),
        rel('rId1', `${REL}/officeDocument`, 'xl/workbook.xml'),
      ),
    ),
  });
}
