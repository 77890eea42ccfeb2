import { useId, type ReactNode } from 'react';

/**
 * A form field with a visible label (a placeholder vanishes as one types and is no label to a
 * screen reader) and, where the format needs it, help text the control is described by.
 */
export function Field({
  label,
  help,
  children,
}: {
  label: string;
  help?: ReactNode;
  children: (props: { id: string; 'aria-describedby'?: string }) => ReactNode;
}) {
  const id = useId();
  const helpId = help ? `${id}-help` : undefined;
  return (
    <div className="flex min-w-0 flex-col gap-1">
      <label htmlFor={id} className="text-xs font-semibold">
        {label}
      </label>
      {children({ id, 'aria-describedby': helpId })}
      {help && (
        <p id={helpId} className="text-xs muted">
          {help}
        </p>
      )}
    </div>
  );
}
