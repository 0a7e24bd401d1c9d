/** Typed look-ups into the blocks a builder returns; each throws (failing the test) when the shape is wrong. */
import type { Button, KnownBlock, ModalView, PlainTextOption } from '../../../src/slack/views/blocks.js';

/** A block of a message or a modal (a modal's blocks may also be generic `Block`s). */
type AnyBlock = ModalView['blocks'][number];

type BlockType = KnownBlock['type'];
export type BlockOf<T extends BlockType> = Extract<KnownBlock, { type: T }>;
type InputElement = BlockOf<'input'>['element'];
export type ElementOf<T extends InputElement['type']> = Extract<InputElement, { type: T }>;

function isBlock<T extends BlockType>(block: AnyBlock, type: T): block is BlockOf<T> {
  return block.type === type;
}

function isElement<T extends InputElement['type']>(element: InputElement, type: T): element is ElementOf<T> {
  return element.type === type;
}

/** The block at `index`, which must be of `type`. */
export function blockAt<T extends BlockType>(blocks: readonly AnyBlock[], index: number, type: T): BlockOf<T> {
  const block = blocks[index];
  if (!block) throw new Error(`no block at index ${index} (there are ${blocks.length})`);
  if (!isBlock(block, type)) throw new Error(`block ${index} is a ${block.type}, not a ${type}`);
  return block;
}

/** The one block with this block_id, which must be of `type`. */
export function blockById<T extends BlockType>(blocks: readonly AnyBlock[], blockId: string, type: T): BlockOf<T> {
  const found = blocks.filter((b) => b.block_id === blockId);
  if (found.length !== 1) throw new Error(`expected one block ${blockId}, found ${found.length}`);
  const [block] = found;
  if (!block || !isBlock(block, type)) throw new Error(`block ${blockId} is a ${block?.type}, not a ${type}`);
  return block;
}

/** Every block of `type`, in order. */
export function blocksOfType<T extends BlockType>(blocks: readonly AnyBlock[], type: T): BlockOf<T>[] {
  return blocks.filter((b): b is BlockOf<T> => isBlock(b, type));
}

/** The block ids of the message, in order (undefined where a block has none). */
export function blockIds(blocks: readonly AnyBlock[]): (string | undefined)[] {
  return blocks.map((b) => b.block_id);
}

/** The mrkdwn text of a section block. */
export function sectionText(block: AnyBlock): string {
  if (!isBlock(block, 'section')) throw new Error(`expected a section, got a ${block.type}`);
  if (block.text?.type !== 'mrkdwn') throw new Error('section has no mrkdwn text');
  return block.text.text;
}

/** The mrkdwn texts of a context block, joined by newlines. */
export function contextText(block: AnyBlock): string {
  if (!isBlock(block, 'context')) throw new Error(`expected a context, got a ${block.type}`);
  return block.elements.map((e) => (e.type === 'mrkdwn' ? e.text : '')).join('\n');
}

/** The text of every section and context block, in order. */
export function texts(blocks: readonly AnyBlock[]): string[] {
  return blocks.flatMap((b) => (b.type === 'section' ? [sectionText(b)] : b.type === 'context' ? [contextText(b)] : []));
}

/** The buttons of an actions block. */
export function buttonsOf(block: AnyBlock): Button[] {
  if (!isBlock(block, 'actions')) throw new Error(`expected an actions block, got a ${block.type}`);
  return block.elements.filter((e): e is Button => e.type === 'button');
}

/** The button beside a section's text (its accessory). */
export function accessoryButton(block: AnyBlock): Button {
  if (!isBlock(block, 'section')) throw new Error(`expected a section, got a ${block.type}`);
  const accessory = block.accessory;
  if (accessory?.type !== 'button') throw new Error(`section ${block.block_id} has no button beside it`);
  return accessory;
}

/** Every button of the message, across its actions blocks. */
export function allButtons(blocks: readonly AnyBlock[]): Button[] {
  return blocksOfType(blocks, 'actions').flatMap(buttonsOf);
}

/** The one button with this action_id in an actions block. */
export function buttonIn(block: AnyBlock, actionId: string): Button {
  const found = buttonsOf(block).filter((b) => b.action_id === actionId);
  const [button] = found;
  if (found.length !== 1 || !button) throw new Error(`expected one button ${actionId}, found ${found.length}`);
  return button;
}

/** The element of an input block, which must be of `type`. */
export function inputElement<T extends InputElement['type']>(block: BlockOf<'input'>, type: T): ElementOf<T> {
  if (!isElement(block.element, type)) throw new Error(`input ${block.block_id} holds a ${block.element.type}, not a ${type}`);
  return block.element;
}

/** The label of an input block. */
export function inputLabel(block: BlockOf<'input'>): string {
  return block.label.text;
}

/** Options as `{ label, value }` pairs. */
export function optionPairs(options: readonly PlainTextOption[] | undefined): { label: string; value: string | undefined }[] {
  return (options ?? []).map((o) => ({ label: o.text.text, value: o.value }));
}
