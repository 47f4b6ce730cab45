// Self-check quizzes (booktools.sphinx.quiz): check a reply in the page, then
// show the explanation. No network, no library.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  for (const question of document.querySelectorAll(".dlbook-quiz-question")) {
    const button = question.querySelector(".dlbook-quiz-check");
    const feedback = question.querySelector(".dlbook-quiz-feedback");
    const explanation = question.querySelector(".dlbook-quiz-explanation");
    button.addEventListener("click", () => {
      let reply = null;
      let right = false;
      if (question.dataset.kind === "choice") {
        const chosen = question.querySelector("input[type=radio]:checked");
        if (chosen) {
          reply = chosen.value;
          right = chosen.value === question.dataset.answer;
        }
      } else {
        const text = question.querySelector("input[type=text]").value.trim();
        const value = Number(text.replace(",", "."));
        if (text !== "" && Number.isFinite(value)) {
          reply = value;
          const answer = Number(question.dataset.answer);
          const tolerance = Number(question.dataset.tolerance);
          right = Math.abs(value - answer) <= tolerance + 1e-9 * Math.abs(answer);
        }
      }
      if (reply === null) {
        feedback.textContent = question.dataset.kind === "choice"
          ? "Choose an option first." : "Type a number first.";
        question.classList.remove("dlbook-quiz-right", "dlbook-quiz-wrong");
        return;
      }
      feedback.textContent = right ? "Correct." : "Not quite: see why below.";
      question.classList.toggle("dlbook-quiz-right", right);
      question.classList.toggle("dlbook-quiz-wrong", !right);
      explanation.hidden = false;
    });
  }
});
