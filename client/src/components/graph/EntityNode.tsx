import { memo } from 'react';
import { Link, useLocation } from 'react-router';
import { Handle, Position, type NodeProps } from '@xyflow/react';
import { Bot, Ellipsis, Layers, Tag, Wrench } from 'lucide-react';
import type { GraphNode } from '../../lib/graphLayout';
import { rangeSearch } from '../../hooks/useRange';
import { OTHER_ACTIONS_NOTE } from '../OtherActions';

const ICON = { agent: Bot, tool: Wrench, other: Layers, more: Ellipsis, tag: Tag } as const;

/**
 * One agent, tool or data tag; `data-trace` says whether a traced agent lights it up. An agent's
 * "(other actions)" reads apart from its tools (italic, what it counts in its title), and its
 * "+N more" is a link to the agent's page, where every tool is listed.
 */
export const EntityNode = memo(function EntityNode({ data }: NodeProps<GraphNode>) {
  const Icon = ICON[data.kind];
  const { search } = useLocation();
  const body = (
    <>
      <Icon className="size-4 shrink-0" aria-hidden />
      <span className="min-w-0">
        <span className={`block truncate font-semibold ${data.kind === 'other' ? 'italic' : ''}`}>
          {data.label}
        </span>
        <span className="block truncate text-[11px] opacity-75">
          {data.detail}
          {data.paused && ' · paused'}
        </span>
      </span>
    </>
  );
  const title =
    data.kind === 'other'
      ? `${data.agent ?? ''}: ${OTHER_ACTIONS_NOTE} ${data.detail}`
      : `${data.label}: ${data.detail}`;
  return (
    <div
      className={`graph-node kind-${data.kind} tone-${data.tone} trace-${data.trace}`}
      data-testid={`graph-node-${data.kind}`}
      data-name={data.label}
      data-agent={data.agent}
      data-trace={data.trace}
      title={title}
    >
      {data.kind !== 'agent' && (
        <Handle type="target" position={Position.Left} isConnectable={false} />
      )}
      {data.kind === 'more' && data.agent ? (
        // nodrag: a press on the link is a click, not the start of a drag of the node
        <Link
          to={`/agents/${encodeURIComponent(data.agent)}${rangeSearch(search)}`}
          className="nodrag flex min-w-0 flex-1 items-center gap-2 underline-offset-2 hover:underline"
          aria-label={`${data.label} of ${data.agent}: all its tools on its page`}
        >
          {body}
        </Link>
      ) : (
        body
      )}
      {data.kind !== 'tag' && (
        <Handle type="source" position={Position.Right} isConnectable={false} />
      )}
    </div>
  );
});
