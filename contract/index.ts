// The shared contract: one import for the API, the worker and the tests.
export * from './types';
export * from './workflow';
export * from './activities';
export * from './store';
export * from './config';
export * from './schemas';
