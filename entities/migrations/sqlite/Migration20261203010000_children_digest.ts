// Read model, SQLite: a digest per child table on each order row, so a write rewrites only the child tables whose rows
// changed (issue 9). Existing rows keep null: their next write rewrites every table once.
import { Migration } from '@mikro-orm/migrations';

export class Migration20261203010000ChildrenDigest extends Migration {
  override name = 'Migration20261203010000_children_digest';

  override up(): void {
    this.addSql('alter table `orders` add column `children_digest` json null');
  }

  override down(): void {
    this.addSql('alter table `orders` drop column `children_digest`');
  }
}
