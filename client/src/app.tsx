import { lazy, Suspense, useEffect, useState } from 'react';
import { QueryClientProvider } from '@tanstack/react-query';
import { createBrowserRouter, RouterProvider } from 'react-router';
import { TRPCProvider, makeTrpcClient } from './lib/trpc';
import { makeQueryClient } from './lib/queryClient';
import { loginPath } from './lib/loginPath';
import { followSystemTheme } from './lib/theme';
import { Layout } from './components/Layout';
import { OverviewPage } from './routes/overview';
import { AgentsPage } from './routes/agents';
import { AgentPage } from './routes/agent';
import { ActivityPage } from './routes/activity';
import { EntryPage } from './routes/entry';
import { ApprovalsPage } from './routes/approvals';
import { AnalyticsPage } from './routes/analytics';
import { LoginPage } from './routes/login';
import { GlobalRulesPage } from './routes/globalRules';
import { GovernancePage } from './routes/governance';
import { KeysPage } from './routes/keys';
import { NotFoundPage } from './routes/notFound';
import { PageError } from './routes/pageError';

// The graph page brings xyflow; other pages shouldn't download it.
const GraphPage = lazy(() => import('./routes/graph').then((m) => ({ default: m.GraphPage })));

const router = createBrowserRouter([
  { path: '/login', element: <LoginPage /> },
  {
    path: '/',
    element: <Layout />,
    children: [
      {
        // A page that fails to render (or whose code can't be fetched) says so inside the frame.
        errorElement: <PageError />,
        children: [
          { index: true, element: <OverviewPage /> },
          { path: 'agents', element: <AgentsPage /> },
          { path: 'agents/:name', element: <AgentPage /> },
          { path: 'activity', element: <ActivityPage /> },
          { path: 'activity/:id', element: <EntryPage /> },
          { path: 'approvals', element: <ApprovalsPage /> },
          { path: 'analytics', element: <AnalyticsPage /> },
          {
            path: 'graph',
            element: (
              <Suspense fallback={<p className="muted">Loading the graph…</p>}>
                <GraphPage />
              </Suspense>
            ),
          },
          { path: 'rules', element: <GlobalRulesPage /> },
          { path: 'governance', element: <GovernancePage /> },
          { path: 'keys', element: <KeysPage /> },
          { path: '*', element: <NotFoundPage /> },
        ],
      },
    ],
  },
]);

/** Any UNAUTHORIZED answer lands here: back to sign-in, saying why. */
function toLogin() {
  const at = router.state.location;
  if (at.pathname !== '/login') void router.navigate(loginPath('expired', at), { replace: true });
}

export function App() {
  const [queryClient] = useState(() => makeQueryClient(toLogin));
  const [trpcClient] = useState(makeTrpcClient);
  useEffect(followSystemTheme, []);
  return (
    <QueryClientProvider client={queryClient}>
      <TRPCProvider trpcClient={trpcClient} queryClient={queryClient}>
        <RouterProvider router={router} />
      </TRPCProvider>
    </QueryClientProvider>
  );
}
