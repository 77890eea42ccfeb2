import { PageHeader } from '../components/QueryState';
import { RulesPanel } from '../components/rules/RulesPanel';

/** The org-wide rules: they apply to every agent they select, and their BLOCK can't be loosened. */
export function GlobalRulesPage() {
  return (
    <>
      <PageHeader
        title="Global rules"
        subtitle="Rules for every agent (or those a rule selects by name, glob or label). An agent's own rules can't loosen a global BLOCK."
      />
      <section className="card" aria-label="Global rules">
        <RulesPanel agent={null} />
      </section>
    </>
  );
}
