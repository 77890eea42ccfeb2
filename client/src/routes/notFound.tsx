import { Link } from 'react-router';
import { EmptyState } from '../components/EmptyState';

export function NotFoundPage() {
  return (
    <EmptyState title="This page doesn’t exist">
      <Link to="/" className="underline">
        Go to the overview
      </Link>
    </EmptyState>
  );
}
