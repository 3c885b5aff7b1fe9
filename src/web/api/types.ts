// Graph v1.0 shapes both portals read (only the properties they use). Each area's types.ts adds what it
// alone needs (the admin pages' catalog and policy settings, My Access's answers and approvals).

export interface ExpirationPattern {
  type: 'notSpecified' | 'noExpiration' | 'afterDateTime' | 'afterDuration';
  endDateTime?: string | null;
  duration?: string | null;
}

export interface Schedule {
  startDateTime: string | null;
  expiration: ExpirationPattern;
}

/** accessPackageLocalizedText: a question's or choice's text in one language */
export interface Localization {
  languageCode: string;
  text: string;
}

/** accessPackageAnswerChoice */
export interface Choice {
  actualValue: string;
  text: string;
  localizations?: Localization[];
}

/** accessPackageSubject: who asked, or who gets the access */
export interface Subject {
  objectId: string | null;
  displayName: string;
  email: string | null;
  principalName: string | null;
}

export interface AccessPackageSummary {
  id: string;
  displayName: string;
  description: string | null;
  isHidden: boolean;
}

/** What every accessPackageAssignmentRequest shows, in the admin pages and in My Access alike. */
export interface AssignmentRequestBase {
  id: string;
  requestType: string;
  state: string;
  status: string;
  createdDateTime: string;
  completedDateTime: string | null;
  justification: string | null;
  schedule: Schedule;
  fulfillmentErrorCount?: number;
  requestor?: Subject | null;
  target?: Subject | null;
}

export interface AssignmentBase {
  id: string;
  state: string;
  status: string;
  expiredDateTime: string | null;
  schedule: Schedule;
}
