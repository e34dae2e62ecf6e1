import { decodeCursor, encodeCursor } from "../../../services/api/src/domain/cursor";
import { scoreAttempt, validateQuestions, type Question } from "../../../services/api/src/domain/scoring";

const questions: Question[] = [
  { id: "a", prompt: "?", choices: ["x", "y"], answer: 1 },
  { id: "b", prompt: "?", choices: ["x", "y", "z"], answer: 2, points: 3 },
];

describe("scoring", () => {
  test("sums points of correct answers; unanswered questions score 0", () => {
    expect(scoreAttempt(questions, [{ questionId: "b", choice: 2 }])).toEqual({
      score: 3,
      maxScore: 4,
      answers: [{ questionId: "b", choice: 2, correct: true }],
    });
    expect(scoreAttempt(questions, [{ questionId: "a", choice: 0 }])).toMatchObject({
      score: 0,
      maxScore: 4,
    });
  });

  test("unknown question, duplicate answer and out-of-range choice are field problems", () => {
    expect(scoreAttempt(questions, [{ questionId: "zz", choice: 0 }])).toEqual([
      { field: "/answers/0/questionId", message: 'no question "zz" in this test' },
    ]);
    expect(
      scoreAttempt(questions, [
        { questionId: "a", choice: 1 },
        { questionId: "a", choice: 1 },
      ]),
    ).toEqual([{ field: "/answers/1/questionId", message: 'question "a" answered twice' }]);
    expect(scoreAttempt(questions, [{ questionId: "a", choice: 2 }])).toEqual([
      { field: "/answers/0/choice", message: "must be 0 to 1" },
    ]);
  });

  test("question rules schema cannot express", () => {
    expect(validateQuestions(questions)).toEqual([]);
    expect(validateQuestions([questions[0], questions[0]])[0].field).toBe("/questions/1/id");
    expect(validateQuestions([{ ...questions[0], answer: 2 }])[0].field).toBe("/questions/0/answer");
  });
});

describe("cursor", () => {
  const cursor = { createdAt: "2026-01-02T03:04:05.123456Z", id: "0b6f9c1e-1d2a-4c3b-9a8b-7c6d5e4f3a2b" };
  test("round-trips", () => expect(decodeCursor(encodeCursor(cursor))).toEqual(cursor));
  test.each([
    ["not base64 json", "!!!"],
    ["an object", Buffer.from('{"a":1}').toString("base64url")],
    ["a bad timestamp", Buffer.from(JSON.stringify(["2026-01-02", cursor.id])).toString("base64url")],
    ["a bad id", Buffer.from(JSON.stringify([cursor.createdAt, "1; drop table"])).toString("base64url")],
    ["three parts", Buffer.from(JSON.stringify([cursor.createdAt, cursor.id, 1])).toString("base64url")],
  ])("rejects %s", (_name, raw) => expect(decodeCursor(raw)).toBeUndefined());
});
