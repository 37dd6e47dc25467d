// Starts one Prism mock for the contract tests (on a free loopback port) and stops it afterwards.
import type { TestProject } from 'vitest/node';
import { startPrism } from '../scripts/prism.js';

declare module 'vitest' {
  export interface ProvidedContext {
    prismUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const prism = await startPrism();
  project.provide('prismUrl', prism.url);
  return () => prism.stop();
}
