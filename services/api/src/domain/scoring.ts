/** A practice test's questions and the scoring of an attempt against them. Pure functions. */
export interface Question {
  readonly id: string;
  readonly prompt: string;
  readonly choices: readonly string[];
  /** Index into choices of the correct answer. */
  readonly answer: number;
  /** @default 1 */
  readonly points?: number;
}

export interface SubmittedAnswer {
  readonly questionId: string;
  readonly choice: number;
}

export interface ScoredAnswer extends SubmittedAnswer {
  readonly correct: boolean;
}

export interface Score {
  readonly score: number;
  readonly maxScore: number;
  readonly answers: ScoredAnswer[];
}

/** A problem with one field of the request, reported as a 400 with the field's path. */
export interface FieldProblem {
  readonly field: string;
  readonly message: string;
}

/** Rules JSON schema cannot express: unique ids, answer within the choices. */
export function validateQuestions(questions: readonly Question[]): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const seen = new Set<string>();
  questions.forEach((q, i) => {
    if (seen.has(q.id))
      problems.push({ field: `/questions/${i}/id`, message: `duplicate question id "${q.id}"` });
    seen.add(q.id);
    if (q.answer >= q.choices.length) {
      problems.push({
        field: `/questions/${i}/answer`,
        message: `must be an index into choices (0 to ${q.choices.length - 1})`,
      });
    }
  });
  return problems;
}

/** Scores answers; unanswered questions score 0. Returns problems instead when an answer does not fit. */
export function scoreAttempt(
  questions: readonly Question[],
  answers: readonly SubmittedAnswer[],
): Score | FieldProblem[] {
  const byId = new Map(questions.map((q) => [q.id, q]));
  const problems: FieldProblem[] = [];
  const seen = new Set<string>();
  const scored: ScoredAnswer[] = [];
  let score = 0;
  answers.forEach((a, i) => {
    const question = byId.get(a.questionId);
    if (!question) {
      problems.push({
        field: `/answers/${i}/questionId`,
        message: `no question "${a.questionId}" in this test`,
      });
      return;
    }
    if (seen.has(a.questionId)) {
      problems.push({
        field: `/answers/${i}/questionId`,
        message: `question "${a.questionId}" answered twice`,
      });
      return;
    }
    seen.add(a.questionId);
    if (a.choice >= question.choices.length) {
      problems.push({
        field: `/answers/${i}/choice`,
        message: `must be 0 to ${question.choices.length - 1}`,
      });
      return;
    }
    const correct = a.choice === question.answer;
    if (correct) score += question.points ?? 1;
    scored.push({ questionId: a.questionId, choice: a.choice, correct });
  });
  if (problems.length > 0) return problems;
  const maxScore = questions.reduce((sum, q) => sum + (q.points ?? 1), 0);
  return { score, maxScore, answers: scored };
}
