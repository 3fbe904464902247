import type {
  Transcript,
  TranscriptContent,
  TranscriptEntry,
} from '../../application/agent-replies/conversation-transcript.js';

export const TRANSCRIPT_FORMATS = ['text', 'json', 'html'] as const;
export type TranscriptFormat = (typeof TRANSCRIPT_FORMATS)[number];

/**
 * `quote`: a text is shown as a JSON string, so a newline or a terminal escape in it cannot
 * forge a line of the transcript; a page escapes it instead.
 */
function contentLine(content: TranscriptContent | null, quote = true): string {
  if (content === null) return '';
  switch (content.state) {
    case 'erased':
      return 'erased';
    case 'sealed':
      return `sha256 ${content.contentSha256.slice(0, 16)}… (${content.sizeBytes} bytes sealed)`;
    case 'revealed': {
      const files = content.attachments.map((a) => a.filename ?? a.url ?? 'attachment');
      const text = content.text === null || !quote ? content.text : JSON.stringify(content.text);
      return [text, ...files].filter((part) => part !== null).join(' + ');
    }
  }
}

function receiptsLine(entry: TranscriptEntry): string {
  return entry.receipts.map((r) => `${r.by === 'us' ? 'our' : 'Genesys'} ${r.status}`).join(', ');
}

/** One line per entry: time, side, kind, state, then the text (revealed) or the hash. */
export function transcriptText(transcript: Transcript): string {
  const lines = [
    `conversation ${transcript.conversationRef}: ${transcript.entries.length} entries`,
  ];
  for (const entry of transcript.entries) {
    const state = entry.detail === null ? entry.state : `${entry.state} (${entry.detail})`;
    const receipts = receiptsLine(entry);
    lines.push(
      [
        entry.at,
        entry.side.padEnd(5),
        entry.kind.padEnd(14),
        state,
        receipts === '' ? null : `[${receipts}]`,
        contentLine(entry.content),
      ]
        .filter((part) => part !== null && part !== '')
        .join('  '),
    );
  }
  return `${lines.join('\n')}\n`;
}

/** One JSON document: `{transcriptVersion, conversationRef, storedConversationRef, entries}`. */
export function transcriptJson(transcript: Transcript): string {
  return `${JSON.stringify(transcript, null, 2)}\n`;
}

const HTML_ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Every value a page shows goes through here: text from a guest or an agent is hostile. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);
}

/** One self-contained page (no script, no outside resource), every value escaped. */
export function transcriptHtml(transcript: Transcript): string {
  const rows = transcript.entries.map((entry) => {
    const cells = [
      entry.at,
      entry.side,
      entry.kind,
      entry.detail === null ? entry.state : `${entry.state} (${entry.detail})`,
      receiptsLine(entry),
      contentLine(entry.content, false),
    ];
    return `<tr class="${escapeHtml(entry.side)}">${cells.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`;
  });
  const title = `Conversation ${escapeHtml(transcript.conversationRef)}`;
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">`,
    `<title>${title}</title>`,
    '<style>body{font-family:sans-serif}td{padding:2px 8px;vertical-align:top}tr.agent{background:#eef}</style>',
    '</head><body>',
    `<h1>${title}</h1>`,
    '<table><thead><tr><th>time</th><th>side</th><th>kind</th><th>state</th><th>receipts</th><th>content</th></tr></thead>',
    `<tbody>${rows.join('')}</tbody></table>`,
    '</body></html>',
    '',
  ].join('\n');
}

export function formatTranscript(transcript: Transcript, format: TranscriptFormat): string {
  switch (format) {
    case 'text':
      return transcriptText(transcript);
    case 'json':
      return transcriptJson(transcript);
    case 'html':
      return transcriptHtml(transcript);
  }
}
