// The database layer: entities, ORM start-up, the API's store.
export * from './catalog';
export * from './read-model';
export * from './orm';
export * from './store';
export * from './migrate';
export * from './callback-log';
export * from './stock-feed';
export * from './channel-pull-state';
export * from './channel-package';
