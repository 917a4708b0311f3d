/** Where something lives or acts: one account in one Region. The one name for that pair. */
export interface Scope {
  account: string;
  region: string;
}
