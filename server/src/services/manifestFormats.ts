import * as CDX from '@cyclonedx/cyclonedx-library';
import { stringify } from 'yaml';
import type { AgentManifest, ManifestFormat } from '@aegis/shared';

const serializer = new CDX.Serialize.JsonSerializer(
  new CDX.Serialize.JSON.Normalize.Factory(CDX.Spec.Spec1dot6),
);

const prop = (name: string, value: string | number) =>
  new CDX.Models.Property(`aegis:${name}`, String(value));

/**
 * A manifest as CycloneDX 1.6: the agent is the BOM's application component, its model an ML
 * component, each tool a service (tags, data categories, permission and use as `aegis:*`
 * properties), other agents it depends on components it depends on. SBOM tooling reads it as is.
 */
export function toCycloneDx(manifest: AgentManifest): string {
  const { agent } = manifest;
  const bom = new CDX.Models.Bom();
  bom.metadata.timestamp = new Date(manifest.generatedAt);
  bom.metadata.tools.components.add(
    new CDX.Models.Component(CDX.Enums.ComponentType.Application, 'aegis', { group: 'aegis' }),
  );
  const root = new CDX.Models.Component(CDX.Enums.ComponentType.Application, agent.name, {
    bomRef: `agent:${agent.name}`,
    description: agent.description || undefined,
    version: `policy-v${agent.policyVersion}`,
  });
  root.properties.add(prop('owner', agent.owner));
  root.properties.add(prop('status', agent.status));
  if (agent.team) root.properties.add(prop('team', agent.team));
  root.properties.add(
    prop(
      'framework',
      agent.frameworkVersion ? `${agent.framework}@${agent.frameworkVersion}` : agent.framework,
    ),
  );
  for (const [k, v] of Object.entries(agent.labels)) root.properties.add(prop(`label:${k}`, v));
  for (const c of manifest.dataCategories.seen) root.properties.add(prop('dataSeen', c));
  for (const d of manifest.drift.undeclaredCalled)
    root.properties.add(prop('drift:undeclaredCalled', d));
  for (const d of manifest.drift.declaredUnused)
    root.properties.add(prop('drift:declaredUnused', d));
  for (const d of manifest.drift.allowedUnused) root.properties.add(prop('drift:allowedUnused', d));
  bom.metadata.component = root;

  if (agent.model) {
    const model = new CDX.Models.Component(
      CDX.Enums.ComponentType.MachineLearningModel,
      agent.model,
      {
        bomRef: `model:${agent.model}`,
        ...(agent.provider
          ? { supplier: new CDX.Models.OrganizationalEntity({ name: agent.provider }) }
          : {}),
      },
    );
    bom.components.add(model);
    root.dependencies.add(model.bomRef);
  }
  for (const tool of manifest.tools) {
    const service = new CDX.Models.Service(tool.name, {
      bomRef: `tool:${tool.name}`,
      description: tool.description || undefined,
    });
    for (const t of tool.tags) service.properties.add(prop('tag', t));
    for (const c of tool.dataCategories) service.properties.add(prop('dataCategory', c));
    for (const c of tool.dataSeen) service.properties.add(prop('dataSeen', c));
    service.properties.add(prop('declared', String(tool.declared)));
    service.properties.add(prop('permission', tool.permission ?? 'none'));
    service.properties.add(prop('calls', tool.calls));
    if (tool.lastSeen) service.properties.add(prop('lastSeen', tool.lastSeen));
    bom.services.add(service);
    root.dependencies.add(service.bomRef);
  }
  const others = new Map<string, CDX.Models.Component>();
  for (const dep of manifest.dependencies) {
    let other = others.get(dep.agent);
    if (!other) {
      other = new CDX.Models.Component(CDX.Enums.ComponentType.Application, dep.agent, {
        bomRef: `agent:${dep.agent}`,
      });
      other.properties.add(prop('relation', 'agent'));
      others.set(dep.agent, other);
      bom.components.add(other);
    }
    other.properties.add(prop(`dependency:${dep.via}`, dep.detail.join(',')));
    root.dependencies.add(other.bomRef);
  }
  return serializer.serialize(bom, { sortLists: true, space: 2 });
}

/** The manifest in a format, with the file name and media type a download uses. */
export function formatManifest(manifest: AgentManifest, format: ManifestFormat) {
  const base = `${manifest.agent.name.replace(/[^A-Za-z0-9_.-]/g, '_')}`;
  switch (format) {
    case 'json':
      return {
        format,
        fileName: `${base}.agent_manifest.json`,
        mediaType: 'application/json',
        content: JSON.stringify(manifest, null, 2),
      };
    case 'yaml':
      return {
        format,
        fileName: `${base}.agent_manifest.yaml`,
        mediaType: 'application/yaml',
        content: stringify(manifest),
      };
    case 'cyclonedx':
      return {
        format,
        fileName: `${base}.cdx.json`,
        mediaType: 'application/vnd.cyclonedx+json',
        content: toCycloneDx(manifest),
      };
  }
}
