window.onerror = function (message, source, line, column) {
	var box = document.getElementById("hp-errors"), item = document.createElement("li");
	item.textContent = String(message) + (line ? " (line " + line + ":" + column + ")" : "");
	document.getElementById("hp-error-list").appendChild(item);
	box.hidden = false;
	return false;
};
