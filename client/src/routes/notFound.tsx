import { Link } from 'react-router';
import { EmptyState } from '../components/EmptyState';
import { usePageTitle } from '../hooks/usePageTitle';

export function NotFoundPage() {
  usePageTitle('Not found');
  return (
    <EmptyState title="This page doesn’t exist">
      <Link to="/" className="underline">
        Go to the overview
      </Link>
    </EmptyState>
  );
}
