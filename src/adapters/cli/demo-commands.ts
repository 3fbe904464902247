import type { AnyCommandInput } from '../../application/transmitter.js';

const CONVERSATIONS = ['alba', 'bruno', 'chen', 'dara', 'emeka', 'fatima', 'goran', 'hana'];

const LINES = [
  'Hi, I ordered a blender last week and it has not arrived yet.',
  'The tracking number is 1Z999AA10123456784.',
  'Could you check whether it left the warehouse?',
  'Thanks! Here is a photo of the box I received instead.',
  'Can I get a refund or a replacement, whichever is faster?',
  'Great, that works for me. Have a nice day! 👋',
];

/**
 * The demo's sample set: ordered conversations with attachments and metadata, a few commands
 * that the policies must refuse (each for a different reason), and receipts and typing events.
 * Ids are fresh on every run so a reused ledger still sends them.
 */
export function demoCommands(runId: string): AnyCommandInput[] {
  const commands: AnyCommandInput[] = [];
  for (const [c, name] of CONVERSATIONS.entries()) {
    const guest = { id: `guest-${name}`, idType: 'Opaque' as const, nickname: name };
    LINES.forEach((text, i) => {
      commands.push({
        id: `${runId}-${name}-${i + 1}`,
        guest,
        conversation: `order-${1000 + c}`,
        text,
        metadata: { channel: 'web', step: String(i + 1) },
        ...(i === 3
          ? {
              attachments: [
                {
                  url: `https://files.example.com/${name}/box.jpg`,
                  mime: 'image/jpeg',
                  filename: 'box.jpg',
                  sizeBytes: 482_113,
                  sha256: 'c'.repeat(64),
                },
              ],
            }
          : {}),
      });
    });
    if (c < 3) {
      commands.push({
        kind: 'typing',
        id: `${runId}-${name}-typing`,
        guest,
        conversation: `order-${1000 + c}`,
      });
    }
    if (c < 4) {
      commands.push({
        kind: 'receipt',
        id: `${runId}-${name}-receipt`,
        guest,
        conversation: `order-${1000 + c}`,
        messageId: `agent-message-${name}`,
        status: c === 3 ? 'Failed' : 'Delivered',
        ...(c === 3
          ? { reasons: [{ code: 'GeneralError' as const, message: 'the widget closed' }] }
          : {}),
      });
    }
  }
  const invalid = {
    id: '',
    guest: { id: 'guest-mallory', nickname: 'mallory' },
    conversation: 'order-9999',
  };
  commands.push(
    { ...invalid, id: `${runId}-invalid-empty`, text: '   ' },
    {
      ...invalid,
      id: `${runId}-invalid-blocked`,
      text: 'please run ｍａｌｗａｒｅ．ｅｘｅ from the link',
    },
    { ...invalid, id: `${runId}-invalid-too-long`, text: 'x'.repeat(4001) },
    {
      ...invalid,
      id: `${runId}-invalid-attachment`,
      text: 'see attached',
      attachments: [
        {
          url: 'http://10.0.0.7/internal.exe',
          mime: 'application/x-msdownload',
          filename: 'internal.exe',
          sizeBytes: 40_000_000,
        },
      ],
    },
    { id: `${runId}-invalid-guest`, guest: { id: 'not-an-email', idType: 'Email' }, text: 'hello' },
  );
  return commands;
}
