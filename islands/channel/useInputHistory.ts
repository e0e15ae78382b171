/// <reference lib="dom" />
/**
 * The input line's history: Up and Down walk through the lines sent from
 * this window, as in a shell.
 *
 * @module
 */
import { useRef } from "preact/hooks";

/** The history of one input. */
export interface InputHistory {
  /** Records a line sent, and goes back to the end of the history. */
  remember: (line: string) => void;
  /**
   * Handles Up and Down in the input whose text is `text`, putting the line
   * walked to through `setText`; returns whether it took the key.
   */
  onKey: (event: KeyboardEvent, text: string, setText: (text: string) => void) => boolean;
}

/** A history that lives as long as the window. */
export function useInputHistory(): InputHistory {
  const lines = useRef<string[]>([]);
  const index = useRef(-1);
  const history = useRef<InputHistory | null>(null);
  history.current ??= {
    remember(line) {
      lines.current.push(line);
      index.current = -1;
    },
    onKey(event, text, setText) {
      const input = event.currentTarget as HTMLInputElement;
      const sent = lines.current;
      if (event.key === "ArrowUp" && sent.length > 0 && (input.selectionStart === 0 || text === "")) {
        event.preventDefault();
        index.current = index.current === -1 ? sent.length - 1 : Math.max(0, index.current - 1);
        setText(sent[index.current]);
        return true;
      }
      if (event.key === "ArrowDown" && index.current !== -1) {
        event.preventDefault();
        const next = index.current + 1;
        index.current = next >= sent.length ? -1 : next;
        setText(next >= sent.length ? "" : sent[next]);
        return true;
      }
      return false;
    },
  };
  return history.current;
}
