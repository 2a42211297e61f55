/**
 * The one IPC gate. Every renderer → main call arrives here, on a channel of `ipcContract`, and is answered only
 * when it comes from the top frame of one of our windows showing our `pawcam://app` origin (a page that navigated
 * away, a subframe or a foreign WebContents gets nothing) and its arguments pass the contract's schema. Results are
 * checked against the contract too, and errors cross as a code and a message, never a stack.
 */
import type { IpcMain, IpcMainInvokeEvent } from 'electron';
import type * as v from 'valibot';
import { PawcamError } from '../../protocol/errors.ts';
import { ipcContract, type IpcContract, type IpcMethod } from '../../protocol/ipc.ts';
import { createLogger } from '../../protocol/log.ts';
import { parseWith } from '../../protocol/schema.ts';
import type { OurWindow } from './app-windows.ts';
import type { IpcReply } from '../../protocol/ipc-reply.ts';
import { isAppUrl } from './app-scheme.ts';

const log = createLogger('ipc');

/** Who is calling: one of our windows. */
export interface IpcContext {
  window: OurWindow;
  webContentsId: number;
}

/** One handler per contract entry: validated arguments in, a result of the contract's type out. */
export type IpcHandlers = {
  [K in IpcMethod]: (
    context: IpcContext,
    ...args: v.InferOutput<IpcContract[K]['args']>
  ) => v.InferInput<IpcContract[K]['result']> | Promise<v.InferInput<IpcContract[K]['result']>>;
};

/** Looks up our windows by WebContents id. */
export interface WindowLookup {
  windowFor(webContentsId: number): OurWindow | undefined;
}

/** The part of an invoke event the gate reads. */
export type GateEvent = Pick<IpcMainInvokeEvent, 'senderFrame'> & { sender: Pick<IpcMainInvokeEvent['sender'], 'id'> };

/** Why a sender was refused, or the window it is. */
export function checkSender(event: GateEvent, windows: WindowLookup): { ok: true; context: IpcContext } | { ok: false; reason: string } {
  let frame: GateEvent['senderFrame'];
  try {
    frame = event.senderFrame;
  } catch {
    frame = null;
  }
  if (!frame) return { ok: false, reason: 'the sending frame is gone' };
  if (frame.parent !== null) return { ok: false, reason: 'sent from a subframe' };
  if (!isAppUrl(frame.url)) return { ok: false, reason: 'sent from a foreign origin' };
  const window = windows.windowFor(event.sender.id);
  if (!window) return { ok: false, reason: 'sent from a WebContents that is not ours' };
  return { ok: true, context: { window, webContentsId: event.sender.id } };
}

const refused = (message: string): IpcReply => ({ ok: false, error: { code: 'malformed-message', message } });

/** Turn anything a handler threw into a reply: our errors keep code and message, anything else is generic. */
export function errorReply(error: unknown): IpcReply {
  if (error instanceof PawcamError) return { ok: false, error: { code: error.code, message: error.message } };
  return { ok: false, error: { code: 'unknown', message: 'Something went wrong in pawcam. Details are in its log.' } };
}

/** Handle one call on `method` (exported for tests; `setupIpc` registers it). */
export async function handleCall<K extends IpcMethod>(
  method: K,
  handlers: IpcHandlers,
  windows: WindowLookup,
  event: GateEvent,
  rawArgs: unknown[],
): Promise<IpcReply> {
  const entry = ipcContract[method];
  const sender = checkSender(event, windows);
  if (!sender.ok) {
    log.warn('refused an IPC call', { channel: entry.channel, reason: sender.reason });
    return refused('This page may not call pawcam.');
  }
  // The contract's tuples (valibot `tuple`) drop extra items silently; a caller sending more is not our viewer.
  const args = rawArgs.length > entry.args.items.length ? { ok: false as const, error: `expected ${entry.args.items.length} arguments` } : parseWith(entry.args, rawArgs);
  if (!args.ok) {
    log.warn('refused IPC arguments', { channel: entry.channel, error: args.error });
    return refused(`Invalid arguments for ${entry.channel}: ${args.error}`);
  }
  let value: unknown;
  try {
    const handler = handlers[method] as (context: IpcContext, ...a: unknown[]) => unknown;
    value = await handler(sender.context, ...(args.value as unknown[]));
  } catch (error) {
    log.error('IPC handler failed', { channel: entry.channel, error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
    return errorReply(error);
  }
  const result = parseWith(entry.result, value);
  if (!result.ok) {
    log.error('IPC handler returned a value outside the contract', { channel: entry.channel, error: result.error });
    return errorReply(new Error('bad result'));
  }
  return { ok: true, value: result.value };
}

/** Register the gate for every contract entry; returns the function that removes the handlers. */
export function setupIpc(deps: { ipcMain: Pick<IpcMain, 'handle' | 'removeHandler'>; windows: WindowLookup; handlers: IpcHandlers }): () => void {
  const methods = Object.keys(ipcContract) as IpcMethod[];
  for (const method of methods) {
    deps.ipcMain.handle(ipcContract[method].channel, (event, ...args: unknown[]) => handleCall(method, deps.handlers, deps.windows, event, args));
  }
  return () => {
    for (const method of methods) deps.ipcMain.removeHandler(ipcContract[method].channel);
  };
}
