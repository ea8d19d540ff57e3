/** Runtime settings shared by every node of a deployment (e.g. the registration mode, rule RG1). */
export interface ServerSettingsStore {
  /** The stored value of the setting; null if never set. */
  getServerSetting(name: string): Promise<string | null>;
  /** Stores the setting's value (replacing any), with when and by whom (null: the operator). */
  setServerSetting(name: string, value: string, at: number, by: string | null): Promise<void>;
}
