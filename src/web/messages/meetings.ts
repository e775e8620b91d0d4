// Messages of the meetings section, the meeting pages and the calendar.
// Merged into the catalogues of ../i18n.ts.

interface Plural {
  readonly one: string;
  readonly other: string;
}

export const meetingsEn = {
  "meetings.heading": "Upcoming meetings",
  "meetings.none": "No meetings are scheduled.",
  "meetings.calendar": "Subscribe to the calendar (iCalendar)",
  "meetings.networkCalendar": "Calendar with the parent communities' meetings",
  "meetings.when": "When",
  "meetings.where": "Where",
  "meetings.online": "Online",
  "meetings.joinOnline": "Join online",
  "meetings.attending": { one: "{count} attending", other: "{count} attending" },
  "meetings.seats": "{attending} of {capacity} seats taken",
  "meetings.full": "Full: further answers go on the waitlist",
  "meetings.cancelled": "Cancelled",
  "meetings.repeats.weekly": "Every week",
  "meetings.repeats.biweekly": "Every two weeks",
  "meetings.repeats.monthly": "Every month",
  "meetings.repeats.quarterly": "Every three months",
  "meetings.howToAttend": "To attend from Mobilizon or another server that speaks ActivityPub, search for this page's address and press Join or Participate.",
  "meetings.backToCommunity": "Back to {name}",
  "meetings.timeZone": "Times are in {zone}.",
} as const satisfies Record<string, string | Plural>;

type Shape<T> = { readonly [K in keyof T]: T[K] extends string ? string : Plural };

export const meetingsFr: Shape<typeof meetingsEn> = {
  "meetings.heading": "Prochaines rencontres",
  "meetings.none": "Aucune rencontre n’est prévue.",
  "meetings.calendar": "S’abonner au calendrier (iCalendar)",
  "meetings.networkCalendar": "Calendrier avec les rencontres des communautés parentes",
  "meetings.when": "Quand",
  "meetings.where": "Où",
  "meetings.online": "En ligne",
  "meetings.joinOnline": "Rejoindre en ligne",
  "meetings.attending": { one: "{count} participant", other: "{count} participants" },
  "meetings.seats": "{attending} places prises sur {capacity}",
  "meetings.full": "Complet\u00a0: les nouvelles réponses vont en liste d’attente",
  "meetings.cancelled": "Annulée",
  "meetings.repeats.weekly": "Chaque semaine",
  "meetings.repeats.biweekly": "Toutes les deux semaines",
  "meetings.repeats.monthly": "Chaque mois",
  "meetings.repeats.quarterly": "Tous les trois mois",
  "meetings.howToAttend": "Pour participer depuis Mobilizon ou un autre serveur ActivityPub, recherchez l’adresse de cette page puis choisissez Participer.",
  "meetings.backToCommunity": "Retour à {name}",
  "meetings.timeZone": "Les heures sont données pour le fuseau {zone}.",
};
