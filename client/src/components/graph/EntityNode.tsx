import { memo } from 'react';
import { Handle, Position, type NodeProps } from '@xyflow/react';
import { Bot, Tag, Wrench } from 'lucide-react';
import type { GraphNode } from '../../lib/graphLayout';

const ICON = { agent: Bot, tool: Wrench, tag: Tag } as const;

/** One agent, tool or data tag; `data-trace` says whether a traced agent lights it up. */
export const EntityNode = memo(function EntityNode({ data }: NodeProps<GraphNode>) {
  const Icon = ICON[data.kind];
  return (
    <div
      className={`graph-node kind-${data.kind} tone-${data.tone} trace-${data.trace}`}
      data-testid={`graph-node-${data.kind}`}
      data-name={data.label}
      data-trace={data.trace}
      title={`${data.label}: ${data.detail}`}
    >
      {data.kind !== 'agent' && (
        <Handle type="target" position={Position.Left} isConnectable={false} />
      )}
      <Icon className="size-4 shrink-0" aria-hidden />
      <span className="min-w-0">
        <span className="block truncate font-semibold">{data.label}</span>
        <span className="block truncate text-[11px] opacity-75">
          {data.detail}
          {data.paused && ' · paused'}
        </span>
      </span>
      {data.kind !== 'tag' && (
        <Handle type="source" position={Position.Right} isConnectable={false} />
      )}
    </div>
  );
});
