// First: before any zod schema exists, so none probes for eval, which the CSP refuses.
import { interpretedValidation } from '@aegis/shared/interpretedValidation';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app';
import './styles/app.css';

if (!interpretedValidation) throw new Error('zod is not set up for the CSP');

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
