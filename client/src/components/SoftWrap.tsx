import { Fragment, useState } from 'react';

/**
 * A long identifier (an e-mail, a snake_case tool, a dotted host) with line-break chances at its
 * joints: before `@` and `.`, after `_`, `-`, `/` and `:`. A narrow column then wraps it as
 * "customer-experience / @bank.example" rather than "bank.ex / ample". Give the element around it
 * `break-words`, so only a single joint-less run longer than the line is cut.
 */
export function SoftWrap({ text }: { text: string }) {
  const parts = text.split(/(?=[@.])|(?<=[_\-/:])/);
  return (
    <>
      {parts.map((part, i) => (
        <Fragment key={i}>
          {i > 0 && <wbr />}
          {part}
        </Fragment>
      ))}
    </>
  );
}

/**
 * A name kept to one line (an ellipsis when it does not fit) that a tap, a click or Enter opens
 * to its whole length, wrapped at its joints: a `title` alone is out of reach on a touch screen.
 */
export function ExpandableName({
  name,
  className = '',
  testId,
}: {
  name: string;
  className?: string;
  testId?: string;
}) {
  const [open, setOpen] = useState(false);
  return (
    <button
      type="button"
      aria-expanded={open}
      title={name}
      data-testid={testId}
      onClick={() => setOpen(!open)}
      className={`block max-w-full cursor-pointer text-left ${open ? 'break-words' : 'truncate'} ${className}`}
    >
      {open ? <SoftWrap text={name} /> : name}
    </button>
  );
}
