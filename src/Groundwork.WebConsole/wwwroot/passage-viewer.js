// Brings the highlighted passage of the console's passage viewer into view.
export function scrollIntoView(element) {
    if (element && typeof element.scrollIntoView === "function") {
        element.scrollIntoView({ block: "center", behavior: "smooth" });
    }
}
