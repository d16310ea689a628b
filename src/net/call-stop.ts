import type { StopState } from './failures.js';

/** An exchange in flight, which a stop aborts. */
export interface Abortable {
  abort(reason: unknown): void;
}

/**
 * What may end a call before it has its answer: the call's timeout and the caller's signal. It holds
 * one timer and one listener on the caller's signal for the whole call, and aborts the exchange in
 * flight itself: an `AbortController` per call joined to the caller's signal with `AbortSignal.any`
 * would cost about 25 µs of CPU a call on Node 20, a sixth of a small request. The signal that waits
 * between tries need is made only when a call waits.
 */
export class CallStop implements StopState {
  readonly timeoutMs: number;
  #timedOut = false;
  readonly #caller: AbortSignal | undefined;
  readonly #timer: NodeJS.Timeout;
  #reason: unknown;
  #stopped = false;
  #current: Abortable | undefined;
  #waits: AbortController | undefined;

  constructor(timeoutMs: number, caller: AbortSignal | undefined) {
    this.timeoutMs = timeoutMs;
    this.#caller = caller;
    this.#timer = setTimeout(timeUp, timeoutMs, this);
    if (!caller) return;
    if (isAborted(caller)) this.#stop(caller.reason);
    else listen(caller, this);
  }

  /** The call's timeout passed. */
  get timedOut(): boolean {
    return this.#timedOut;
  }

  /** The caller aborted its signal. */
  get cancelled(): boolean {
    return this.#caller?.aborted === true;
  }

  /** Whether the call has stopped (timed out or cancelled); every later exchange fails at once. */
  get stopped(): boolean {
    return this.#stopped;
  }

  /** What an exchange fails with once the call has stopped: the caller's reason, or an `AbortError`. */
  get reason(): unknown {
    return this.#reason;
  }

  /** A signal for waits between tries, aborted when the call stops. */
  get signal(): AbortSignal {
    if (!this.#waits) {
      this.#waits = new AbortController();
      if (this.#stopped) this.#waits.abort(this.#reason);
    }
    return this.#waits.signal;
  }

  /** Names the exchange in flight (undefined once it has settled), so that a stop aborts it. */
  watch(exchange: Abortable | undefined): void {
    this.#current = exchange;
  }

  /** The caller's signal fired (an `EventListener` object: no closure per call). */
  handleEvent(): void {
    this.#stop(this.#caller?.reason);
  }

  /** Called when the timer fires. */
  expire(): void {
    this.#timedOut = true;
    this.#stop(new DOMException('This operation was aborted', 'AbortError'));
  }

  /** Ends the call's timer and listener; call it once the call is over. */
  dispose(): void {
    clearTimeout(this.#timer);
    if (this.#caller) unlisten(this.#caller, this);
  }

  #stop(reason: unknown): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#reason = reason;
    this.#current?.abort(reason);
    this.#waits?.abort(reason);
  }
}

function timeUp(stop: CallStop): void {
  stop.expire();
}

/*
 * Node's AbortSignals keep their properties in dictionary mode, so looking a getter or a method up
 * on one misses the inline caches every time: up to a microsecond a lookup on a busy process, and
 * a call makes three. Node's own signals are handed to the functions taken once from the
 * prototypes; any other implementation of the interface is used through its own properties.
 */
const abortedOf = Object.getOwnPropertyDescriptor(AbortSignal.prototype, 'aborted')!.get!;
const { addEventListener, removeEventListener } = EventTarget.prototype;

/** What a call uses of its caller's signal. */
type CallerSignal = Pick<AbortSignal, 'aborted' | 'reason' | 'addEventListener' | 'removeEventListener'>;
type AbortListener = Parameters<AbortSignal['addEventListener']>[1];

function isAborted(signal: CallerSignal): boolean {
  return signal instanceof AbortSignal ? abortedOf.call(signal) : signal.aborted;
}

function listen(signal: CallerSignal, listener: AbortListener): void {
  if (signal instanceof AbortSignal) addEventListener.call(signal, 'abort', listener);
  else signal.addEventListener('abort', listener);
}

function unlisten(signal: CallerSignal, listener: AbortListener): void {
  if (signal instanceof AbortSignal) removeEventListener.call(signal, 'abort', listener);
  else signal.removeEventListener('abort', listener);
}
