// The external systems behind interfaces; simulators are the embedded default.
export * from './contracts';
export * from './faults';
export * from './callLog';
export * from './simulators';
