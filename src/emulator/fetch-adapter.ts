// The emulator as a fetch: a Request (or fetch's arguments) in, a Response out, with injected
// faults carried out as a runtime's fetch would show them: a dropped connection rejects with a
// TypeError, a hang waits for the AbortSignal, a cut or stalled body errors its stream part-way.
// Waits use the global setTimeout, so fake timers drive them.
import type { EmulatorAnswer, EmulatorRequest } from './core.js';

export type Answerer = (request: EmulatorRequest) => EmulatorAnswer;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function socketError(message: string, code: string): Error {
  return Object.assign(new Error(`${message} (injected by the stripe-meters emulator)`), { code });
}

function connectionReset(): TypeError {
  return new TypeError('fetch failed', { cause: socketError('socket hang up', 'ECONNRESET') });
}

function terminated(): TypeError {
  return new TypeError('terminated', { cause: socketError('other side closed', 'UND_ERR_SOCKET') });
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('This operation was aborted', 'AbortError');
}

/** Resolves after `ms` (or never, for Infinity); rejects with the signal's reason on abort. */
function wait(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted === true) return reject(abortReason(signal));
    const timer = Number.isFinite(ms) ? setTimeout(done, ms) : undefined;
    function done() {
      signal?.removeEventListener('abort', aborted);
      resolve();
    }
    function aborted() {
      if (timer !== undefined) clearTimeout(timer);
      reject(abortReason(signal as AbortSignal));
    }
    signal?.addEventListener('abort', aborted, { once: true });
  });
}

/** A body that yields its first half, then errors (after `stallMs` when given). */
function brokenBody(body: string, stallMs: number | undefined, signal: AbortSignal | undefined): ReadableStream<Uint8Array> {
  const bytes = encoder.encode(body);
  let sent = false;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!sent) {
        sent = true;
        controller.enqueue(bytes.subarray(0, Math.floor(bytes.length / 2)));
        return;
      }
      if (stallMs !== undefined) await wait(stallMs, signal);
      controller.error(terminated());
    },
  });
}

async function deliver(answer: EmulatorAnswer, signal: AbortSignal | undefined): Promise<Response> {
  if (answer.later !== undefined) answer = await answer.later;
  const { delivery } = answer;
  if (delivery === undefined) return new Response(answer.body, { status: answer.status, headers: answer.headers });
  switch (delivery.kind) {
    case 'reset':
      throw connectionReset();
    case 'hang':
      await wait(Infinity, signal);
      throw connectionReset();
    case 'delay':
      await wait(delivery.ms, signal);
      return new Response(answer.body, { status: answer.status, headers: answer.headers });
    case 'cut':
    case 'stall': {
      const headers = { ...answer.headers, 'content-length': String(encoder.encode(answer.body).length) };
      const stall = delivery.kind === 'stall' ? delivery.ms : undefined;
      return new Response(brokenBody(answer.body, stall, signal), { status: answer.status, headers });
    }
  }
}

function headerRecord(headers: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  headers.forEach((value, name) => {
    out[name] = value;
  });
  return out;
}

/** Reads the body; keeps the exact bytes when the request log wants them. */
async function readBody(body: BodyInit | Request | null | undefined, keepBytes: boolean): Promise<{ text: string; bytes?: Uint8Array }> {
  if (body === undefined || body === null) return { text: '' };
  if (typeof body === 'string') return { text: body };
  const bytes = new Uint8Array(await (body instanceof Request ? body : new Response(body)).arrayBuffer());
  return keepBytes ? { text: decoder.decode(bytes), bytes } : { text: decoder.decode(bytes) };
}

/** emulator.fetch and emulator.handle. */
export function fetchAdapter(answer: Answerer, keepRaw: () => boolean) {
  const run = async (method: string, url: string, headers: Headers, body: BodyInit | Request | null | undefined, signal: AbortSignal | undefined): Promise<Response> => {
    signal?.throwIfAborted();
    const raw = keepRaw();
    const read = await readBody(body, raw);
    signal?.throwIfAborted();
    const request: EmulatorRequest = { method, url, header: (name) => headers.get(name) ?? undefined, body: read.text };
    if (raw) {
      if (read.bytes !== undefined) request.bytes = read.bytes;
      request.headers = () => headerRecord(headers);
    }
    return deliver(answer(request), signal);
  };
  const handle = (request: Request): Promise<Response> => run(request.method, request.url, request.headers, request.body === null ? null : request, request.signal);
  const fetch = (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    if (typeof input !== 'string' && !(input instanceof URL)) return handle(init === undefined ? input : new Request(input, init));
    const headers = init?.headers instanceof Headers ? init.headers : new Headers(init?.headers);
    return run(init?.method ?? 'GET', String(input), headers, init?.body, init?.signal ?? undefined);
  };
  return { fetch, handle };
}
