import { useState } from 'react';
import { Check, Link2 } from 'lucide-react';
import { toast } from '../lib/toasts';

/**
 * "Copy link" to exactly what the page shows (the URL a hand-over needs). Where the clipboard is
 * refused (an insecure origin, a denied permission) the link is shown to copy by hand.
 */
export function CopyLink({ link, what }: { link: () => string; what: string }) {
  const [copied, setCopied] = useState(false);
  const [manual, setManual] = useState<string | null>(null);
  const copy = async () => {
    const url = link();
    try {
      await navigator.clipboard.writeText(url);
      setManual(null);
      setCopied(true);
      setTimeout(() => setCopied(false), 2000);
      toast({ kind: 'success', title: 'Link copied', body: what });
    } catch {
      setManual(url);
    }
  };
  return (
    <>
      <button
        type="button"
        className="btn btn-ghost"
        onClick={() => void copy()}
        data-testid="copy-link"
      >
        {copied ? (
          <Check className="size-4" aria-hidden />
        ) : (
          <Link2 className="size-4" aria-hidden />
        )}{' '}
        {copied ? 'Copied' : 'Copy link'}
      </button>
      {manual && (
        <input
          className="input basis-full font-mono text-xs"
          readOnly
          value={manual}
          aria-label="Link to copy"
          onFocus={(e) => e.currentTarget.select()}
          autoFocus
        />
      )}
    </>
  );
}
