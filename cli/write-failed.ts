/** The result could not be written where asked (the story of where it was rescued is its message). */
export class WriteFailed extends Error {}
