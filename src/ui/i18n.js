// The UI's words in English and Spanish: the language comes from the browser (navigator.languages)
// until the reader picks one in the header, which is remembered (localStorage). Static text in
// index.html is marked with data-i18n (text) and data-i18n-<attribute> (placeholder, aria-label,
// title); scripts call t(key, values). Messages written by the server stay in its words (English).

const STORE_KEY = "cited.language";
/** The languages the UI speaks, with their names in themselves. */
export const LANGUAGES = { en: "English", es: "Español" };

/** Values that fill a message's placeholders, by name. */
/** @typedef {Record<string, string | number | null | undefined>} MessageValues */
/** A UI string: fixed words, or words made from values. */
/** @typedef {string | ((values: MessageValues) => string)} Message */

/** @type {(n: MessageValues[string], one: string, many: string) => string} */
const plural = (n, one, many) => (n === 1 ? one : many);

/** Names of file types that are the same in both languages. */
const FORMAT_NAMES = {
  "type.pdf": "PDF",
  "type.docx": "Word (DOCX)",
  "type.doc": "Word 97–2003 (DOC)",
  "type.rtf": "RTF",
  "type.odt": "OpenDocument (ODT)",
  "type.pptx": "PowerPoint (PPTX)",
  "type.markdown": "Markdown",
  "type.html": "HTML",
  "type.csv": "CSV",
  "type.xlsx": "Excel (XLSX)",
};

/** @type {Record<string, Message>} */
const EN = {
  "skip.link": "Skip to content",
  "nav.main": "Main",
  "nav.ask": "Ask",
  "nav.documents": "Documents",
  "nav.sources": "Sources",
  "nav.reviews": "Review",
  "reviews.title": "Contract review",
  "reviews.intro": "The same table for every contract: each cell cites its clause, or says it was not found.",
  "reviews.template": "Template",
  "reviews.tag": "Only documents with this tag (empty: every ready document)",
  "reviews.start": "Start the review",
  "reviews.needsLook": "Only cells that need a look (uncertain or not found)",
  "reviews.document": "Document",
  "reviews.notFound": "not found",
  "reviews.yes": "yes",
  "reviews.no": "no",
  "reviews.rerun": "Re-run",
  "reviews.rerunLabel": ({ field, document }) => `Re-run ${field} for ${document}`,
  "reviews.rerunPrompt": "Ask this field in other words (or keep the question):",
  "reviews.rerunning": "re-running…",
  "reviews.status": ({ state, cells, found, uncertain, notFound }) =>
    `Review ${state}: ${cells} cells, ${found} found, ${uncertain} uncertain, ${notFound} not found.`,
  "nav.signin": "Sign in",
  "language.label": "Language",
  "mode.open": "Single-user mode (no key needed)",
  signout: "Sign out",
  "loading.connecting": "Connecting to Cited…",
  "signin.title": "Sign in",
  "signin.intro1": "This Cited server needs an API key. Your administrator creates keys with",
  "signin.intro2": ". The key is kept only in this browser tab and is forgotten when you close it.",
  "signin.key": "API key",
  "signin.hint1": "It starts with",
  "signin.submit": "Sign in",
  "signin.rejected": ({ message }) => `The server did not accept the key: ${message}`,
  "ask.title": "Ask your documents",
  "ask.question": "Question",
  "ask.placeholder": "How much notice is needed to terminate for convenience?",
  "ask.hint":
    "Press Enter to ask, Shift+Enter for a new line. Every sentence of the answer points to the page it rests on.",
  "filters.title": "Filters",
  "filters.documents": "Only these documents",
  "filters.noDocuments": "No documents are ready yet.",
  "filters.tags": "Tags",
  "filters.tagsHint1": "Comma-separated, e.g.",
  "filters.type": "Type",
  "filters.anyType": "Any type",
  "filters.none": "(none: all your documents)",
  "filters.documentsCount": ({ n }) => `${n} ${plural(n, "document", "documents")}`,
  "filters.tagsList": ({ tags }) => `tags: ${tags}`,
  ...FORMAT_NAMES,
  "type.text": "Plain text",
  "type.eml": "E-mail (EML)",
  "type.msg": "Outlook message (MSG)",
  "type.tiff": "TIFF scan",
  "type.png": "PNG scan",
  "type.jpeg": "JPEG scan",
  "ask.submit": "Ask",
  "ask.stop": "Stop",
  "ask.followUp": "Follow up on this conversation",
  "ask.followUpCount": ({ n }) =>
    `(${n} earlier ${plural(n, "question", "questions")}): the question is read with them`,
  "answer.rewriting": "Reading your question with the conversation…",
  "answer.standalone": ({ question }) => `Answered as: “${question}”`,
  "answer.title": "Answer",
  "source.title": "Source",
  "source.prev": "‹ Prev",
  "source.prevLabel": "Previous page",
  "source.next": "Next ›",
  "source.nextLabel": "Next page",
  "source.close": "Close",
  "source.document": "Document",
  "source.opening": ({ page }) => `Opening page ${page}…`,
  "source.cannotShow": ({ page, reason }) => `Page ${page} cannot be shown: ${reason}.`,
  "source.drawFailed": "the page could not be drawn; the browser console has the details",
  "source.pageOf": ({ page, total }) => `Page ${page} of ${total}`,
  "source.page": ({ page }) => `Page ${page}`,
  "source.pageText": "Page text",
  "source.noText": "(This page has no text.)",
  "source.ocr": ({ confidence }) =>
    ` Text read by OCR${confidence != null ? ` (confidence ${confidence}%)` : ""}.`,
  "source.highlighted": ({ page }) => `Page ${page}: the cited words are highlighted.`,
  "source.plainPage": ({ page }) => `Page ${page}.`,
  "source.pageOfTitle": ({ page, title }) => `Page ${page} of ${title}`,
  "source.notOnDrawnPage":
    "The cited words cannot be located on the drawn page (for example a scanned page read by OCR); they are highlighted in the page text below.",
  "pages.one": ({ from }) => `page ${from}`,
  "pages.range": ({ from, to }) => `pages ${from}–${to}`,
  "citation.label": ({ n, title, page }) => `Citation ${n}: ${title}, page ${page}`,
  "citation.title": ({ title, page }) => `${title}, page ${page}`,
  "passage.open": ({ pages }) => `Open ${pages}`,
  "answer.abstained": "The documents do not answer this question.",
  "answer.closest": "Closest passages",
  "answer.closestHint":
    "These came nearest to the question, but they do not answer it. Read them yourself before relying on them.",
  "answer.nothingNear": "No passage of your documents came near the question.",
  "answer.ready": ({ n }) => `Answer ready, with ${n} verified ${plural(n, "citation", "citations")}.`,
  "answer.sources": "Sources",
  "answer.showPage": ({ page }) => `Show page ${page}`,
  "answer.onPage": ({ page }) => `, page ${page}`,
  "answer.support": ({ percent }) => `support ${percent}%`,
  "answer.dropped": ({ n }) =>
    `${n} ${plural(n, "sentence", "sentences")} without a verified citation left out`,
  "answer.time": ({ seconds }) => `answered in ${seconds} s`,
  "answer.checked": ({ meta }) => `Checked against the stored pages: ${meta}.`,
  "answer.busy": ({ seconds }) => `The server is busy answering other questions: retry in ${seconds} s.`,
  "answer.busyOver": "The server may have room now: ask again.",
  "answer.empty": "Type a question first.",
  "answer.searching": "Searching your documents…",
  "answer.writing": ({ n }) =>
    `Found ${n} ${plural(n, "passage", "passages")}. Writing the answer; its citations are checked before it is shown…`,
  "answer.noPassage": "No passage of your documents matches; checking…",
  "answer.verified": "Citations verified; finishing…",
  "answer.failed": ({ reason }) => `Cited could not answer: ${reason}`,
  "answer.unknownError": "unknown error",
  "answer.closed": "The connection closed before the answer was finished: ask again.",
  "answer.stopped": "Stopped. Ask again when you are ready.",
  "error.page": "Something went wrong in the page; reloading it may help.",
  "documents.title": "Documents",
  "upload.title": "Add documents",
  "upload.drop":
    "Drop PDF, Word, RTF, OpenDocument, PowerPoint, Excel, HTML, e-mail (.eml, .msg), scans (TIFF, PNG, JPEG), Markdown, CSV or text files here, or choose them:",
  "upload.files": "Files to upload",
  "upload.tags": "Tags for these files (optional)",
  "upload.tagsHint": "Comma-separated; letters, digits,",
  "upload.list": "Uploads",
  "upload.of": ({ name }) => `Upload of ${name}`,
  "upload.waiting": "Waiting…",
  "upload.uploading": "Uploading…",
  "upload.progress": ({ percent }) => `Uploading… ${percent}%`,
  "upload.refused": ({ reason }) => `Refused: ${reason}`,
  "upload.unreadable": "the file could not be read",
  "upload.duplicate": "Already in your documents (the same content was uploaded before).",
  "upload.queued": "Uploaded; waiting to be read…",
  "upload.failed": ({ reason }) => `Upload failed: ${reason}`,
  "upload.statusUnknown": ({ reason }) => `Its status cannot be read: ${reason}`,
  "upload.ready": ({ pages, chunks, n }) =>
    `Ready: ${pages} ${plural(n, "page", "pages")}, ${chunks} passages.`,
  "upload.readFailed": ({ reason }) => `Failed: ${reason}`,
  "upload.reading": ({ progress }) => `Reading${progress}…`,
  "library.title": "Your documents",
  "library.refresh": "Refresh",
  "library.name": "Name",
  "library.status": "Status",
  "library.type": "Type",
  "library.pages": "Pages",
  "library.passages": "Passages",
  "library.tags": "Tags",
  "library.added": "Added",
  "library.actions": "Actions",
  "library.empty": "No documents yet: add some above.",
  "library.more": "Show more",
  "library.loading": "Loading documents…",
  "library.cannotList": ({ reason }) => `The documents cannot be listed: ${reason}`,
  "library.delete": "Delete",
  "library.deleteLabel": ({ name }) => `Delete ${name}`,
  "library.summary": "Summary",
  "library.summaryLabel": ({ name }) => `Cited summary of ${name}`,
  "summary.title": ({ name }) => `Summary of ${name}`,
  "summary.loading": "Making the summary…",
  "summary.page": ({ page }) => `p. ${page}`,
  "summary.covered": ({ kept, proposed, pages }) =>
    `${kept} of ${proposed} sentences verified on their pages (pages ${pages}).`,
  "summary.none": "No sentence of this document could be verified for a summary.",
  "library.approximate": "pages approximate",
  "status.queued": "Queued",
  "status.processing": "Reading…",
  "status.ready": "Ready",
  "status.failed": "Failed",
  "delete.title": ({ name }) => `Delete “${name}”?`,
  "delete.text":
    "Its pages and passages are removed from Cited and it can no longer be cited. The original file on your computer or share is not touched.",
  "delete.cancel": "Cancel",
  "delete.confirm": "Delete",
  "delete.dialogTitle": "Delete document?",
  "delete.done": ({ name }) => `Deleted ${name}.`,
  "delete.failed": ({ name, reason }) => `${name} could not be deleted: ${reason}`,
  "sources.title": "Sources",
  "sources.intro":
    "A source is a folder on the server (a document share). Cited reads every file in it, and a sync picks up new, changed and removed files.",
  "sources.formTitle": "Register a folder",
  "sources.formLegend": "Folder to register",
  "sources.path": "Folder path on the server",
  "sources.include": "Include (optional)",
  "sources.includeHint": "Comma-separated patterns, e.g.",
  "sources.exclude": "Exclude (optional)",
  "sources.excludeHint": "Comma-separated patterns, e.g.",
  "sources.tags": "Tags (optional)",
  "sources.register": "Register folder",
  "sources.listTitle": "Registered folders",
  "sources.refresh": "Refresh",
  "sources.empty": "No folders registered yet.",
  "sources.reportTitle": "Coverage report",
  "sources.unavailable":
    "Folder sync is not available on this server yet (it does not offer /v1/sources). Upload files on the Documents page instead.",
  "sources.counts.discovered": "Found",
  "sources.counts.queued": "Queued",
  "sources.counts.done": "Done",
  "sources.counts.skipped": "Skipped",
  "sources.counts.failed": "Failed",
  "sources.never": "Never synced.",
  "sources.finished": ({ when }) => `finished ${when}`,
  "sources.started": ({ when }) => `started ${when}`,
  "sources.lastSync": ({ state, when }) => `Last sync: ${state}${when ? `, ${when}` : ""}`,
  "sources.progress": "Sync progress",
  "sources.syncNow": "Sync now",
  "sources.report": "Coverage report",
  "sources.include.list": ({ list }) => `include ${list}`,
  "sources.allFiles": "all files",
  "sources.exclude.list": ({ list }) => `exclude ${list}`,
  "sources.tags.list": ({ list }) => `tags ${list}`,
  "sources.starting": "Starting a sync…",
  "sources.syncStarted": "Sync started.",
  "sources.syncFailed": ({ reason }) => `The sync could not start: ${reason}`,
  "sources.syncState": ({ state }) => `Sync ${state}.`,
  "sources.liveStopped": ({ reason }) => `Live counts stopped: ${reason}`,
  "sources.cannotList": ({ reason }) => `The sources cannot be listed: ${reason}`,
  "sources.registering": "Registering…",
  "sources.registered": ({ path }) => `Registered ${path}. Start a sync to read its files.`,
  "sources.notRegistered": ({ reason }) => `The folder was not registered: ${reason}`,
  "report.title": ({ path }) => `Coverage report: ${path}`,
  "report.loading": "Loading the report…",
  "report.textLayer": "Pages with a text layer",
  "report.ocr": "Pages read by OCR",
  "report.pagesFailed": "Pages that failed",
  "report.filesFailed": "Files that failed",
  "report.failures": "Files that could not be read",
  "report.files": ({ n }) => `Files (${n})`,
  "report.file": "File",
  "report.status": "Status",
  "report.pages": "Pages",
  "report.ocrPages": "OCR pages",
  "report.lowest": "Lowest OCR confidence",
  "report.unsearchable": "Not searchable",
  "report.pageList": ({ list }) => `page ${list}`,
  "report.none": "There is no coverage report for this folder yet: start a sync first.",
  "report.failed": ({ reason }) => `The report cannot be shown: ${reason}`,
  "start.unreachable": ({ reason }) => `Cited cannot be reached: ${reason} Reload the page to try again.`,
  "api.unreachable": "the Cited server cannot be reached: check that it is running",
  "api.status": ({ status }) => `the server answered ${status}`,
  "api.interrupted": "the upload was interrupted: check the connection and try again",
};

/** @type {Record<string, Message>} */
const ES = {
  "skip.link": "Ir al contenido",
  "nav.main": "Principal",
  "nav.ask": "Preguntar",
  "nav.documents": "Documentos",
  "nav.sources": "Carpetas",
  "nav.reviews": "Revisión",
  "reviews.title": "Revisión de contratos",
  "reviews.intro":
    "La misma tabla para cada contrato: cada celda cita su cláusula, o dice que no se encontró.",
  "reviews.template": "Plantilla",
  "reviews.tag": "Solo documentos con esta etiqueta (vacío: todos los documentos listos)",
  "reviews.start": "Empezar la revisión",
  "reviews.needsLook": "Solo celdas que hay que mirar (dudosas o no encontradas)",
  "reviews.document": "Documento",
  "reviews.notFound": "no encontrado",
  "reviews.yes": "sí",
  "reviews.no": "no",
  "reviews.rerun": "Repetir",
  "reviews.rerunLabel": ({ field, document }) => `Repetir ${field} en ${document}`,
  "reviews.rerunPrompt": "Formule este campo con otras palabras (o mantenga la pregunta):",
  "reviews.rerunning": "repitiendo…",
  "reviews.status": ({ state, cells, found, uncertain, notFound }) =>
    `Revisión ${state}: ${cells} celdas, ${found} encontradas, ${uncertain} dudosas, ${notFound} no encontradas.`,
  "nav.signin": "Iniciar sesión",
  "language.label": "Idioma",
  "mode.open": "Modo de un solo usuario (sin clave)",
  signout: "Cerrar sesión",
  "loading.connecting": "Conectando con Cited…",
  "signin.title": "Iniciar sesión",
  "signin.intro1": "Este servidor de Cited necesita una clave de API. Su administrador crea las claves con",
  "signin.intro2": ". La clave solo se guarda en esta pestaña del navegador y se olvida al cerrarla.",
  "signin.key": "Clave de API",
  "signin.hint1": "Empieza por",
  "signin.submit": "Entrar",
  "signin.rejected": ({ message }) => `El servidor no ha aceptado la clave: ${message}`,
  "ask.title": "Pregunte a sus documentos",
  "ask.question": "Pregunta",
  "ask.placeholder": "¿Con cuánto preaviso se puede resolver el contrato sin causa?",
  "ask.hint":
    "Pulse Intro para preguntar y Mayús+Intro para una línea nueva. Cada frase de la respuesta remite a la página en la que se apoya.",
  "filters.title": "Filtros",
  "filters.documents": "Solo estos documentos",
  "filters.noDocuments": "Todavía no hay documentos listos.",
  "filters.tags": "Etiquetas",
  "filters.tagsHint1": "Separadas por comas, p. ej.",
  "filters.type": "Tipo",
  "filters.anyType": "Cualquier tipo",
  "filters.none": "(ninguno: todos sus documentos)",
  "filters.documentsCount": ({ n }) => `${n} ${plural(n, "documento", "documentos")}`,
  "filters.tagsList": ({ tags }) => `etiquetas: ${tags}`,
  ...FORMAT_NAMES,
  "type.text": "Texto sin formato",
  "type.eml": "Correo (EML)",
  "type.msg": "Mensaje de Outlook (MSG)",
  "type.tiff": "Escaneo TIFF",
  "type.png": "Escaneo PNG",
  "type.jpeg": "Escaneo JPEG",
  "ask.submit": "Preguntar",
  "ask.stop": "Detener",
  "ask.followUp": "Continuar esta conversación",
  "ask.followUpCount": ({ n }) =>
    `(${n} ${plural(n, "pregunta anterior", "preguntas anteriores")}): la pregunta se lee con ellas`,
  "answer.rewriting": "Leyendo su pregunta con la conversación…",
  "answer.standalone": ({ question }) => `Respondida como: «${question}»`,
  "answer.title": "Respuesta",
  "source.title": "Fuente",
  "source.prev": "‹ Anterior",
  "source.prevLabel": "Página anterior",
  "source.next": "Siguiente ›",
  "source.nextLabel": "Página siguiente",
  "source.close": "Cerrar",
  "source.document": "Documento",
  "source.opening": ({ page }) => `Abriendo la página ${page}…`,
  "source.cannotShow": ({ page, reason }) => `No se puede mostrar la página ${page}: ${reason}.`,
  "source.drawFailed": "no se ha podido dibujar la página; la consola del navegador tiene los detalles",
  "source.pageOf": ({ page, total }) => `Página ${page} de ${total}`,
  "source.page": ({ page }) => `Página ${page}`,
  "source.pageText": "Texto de la página",
  "source.noText": "(Esta página no tiene texto).",
  "source.ocr": ({ confidence }) =>
    ` Texto leído por OCR${confidence != null ? ` (confianza ${confidence} %)` : ""}.`,
  "source.highlighted": ({ page }) => `Página ${page}: las palabras citadas están resaltadas.`,
  "source.plainPage": ({ page }) => `Página ${page}.`,
  "source.pageOfTitle": ({ page, title }) => `Página ${page} de ${title}`,
  "source.notOnDrawnPage":
    "Las palabras citadas no se encuentran en la página dibujada (por ejemplo, una página escaneada leída por OCR); están resaltadas en el texto de la página, más abajo.",
  "pages.one": ({ from }) => `página ${from}`,
  "pages.range": ({ from, to }) => `páginas ${from}–${to}`,
  "citation.label": ({ n, title, page }) => `Cita ${n}: ${title}, página ${page}`,
  "citation.title": ({ title, page }) => `${title}, página ${page}`,
  "passage.open": ({ pages }) => `Abrir ${pages}`,
  "answer.abstained": "Los documentos no responden a esta pregunta.",
  "answer.closest": "Pasajes más cercanos",
  "answer.closestHint":
    "Son los que más se acercan a la pregunta, pero no la responden. Léalos usted antes de basarse en ellos.",
  "answer.nothingNear": "Ningún pasaje de sus documentos se acerca a la pregunta.",
  "answer.ready": ({ n }) =>
    `Respuesta lista, con ${n} ${plural(n, "cita verificada", "citas verificadas")}.`,
  "answer.sources": "Fuentes",
  "answer.showPage": ({ page }) => `Ver la página ${page}`,
  "answer.onPage": ({ page }) => `, página ${page}`,
  "answer.support": ({ percent }) => `respaldo ${percent} %`,
  "answer.dropped": ({ n }) =>
    `${n} ${plural(n, "frase sin cita verificada omitida", "frases sin cita verificada omitidas")}`,
  "answer.time": ({ seconds }) => `respondida en ${seconds} s`,
  "answer.checked": ({ meta }) => `Comprobada con las páginas guardadas: ${meta}.`,
  "answer.busy": ({ seconds }) =>
    `El servidor está ocupado respondiendo otras preguntas: vuelva a intentarlo en ${seconds} s.`,
  "answer.busyOver": "Puede que el servidor ya esté libre: pregunte de nuevo.",
  "answer.empty": "Escriba primero una pregunta.",
  "answer.searching": "Buscando en sus documentos…",
  "answer.writing": ({ n }) =>
    `${n} ${plural(n, "pasaje encontrado", "pasajes encontrados")}. Redactando la respuesta; sus citas se comprueban antes de mostrarla…`,
  "answer.noPassage": "Ningún pasaje de sus documentos coincide; comprobando…",
  "answer.verified": "Citas verificadas; terminando…",
  "answer.failed": ({ reason }) => `Cited no ha podido responder: ${reason}`,
  "answer.unknownError": "error desconocido",
  "answer.closed": "La conexión se cerró antes de terminar la respuesta: pregunte de nuevo.",
  "answer.stopped": "Detenido. Pregunte de nuevo cuando quiera.",
  "error.page": "Algo ha fallado en la página; volver a cargarla puede ayudar.",
  "documents.title": "Documentos",
  "upload.title": "Añadir documentos",
  "upload.drop":
    "Arrastre aquí archivos PDF, Word, RTF, OpenDocument, PowerPoint, Excel, HTML, correos (.eml, .msg), escaneos (TIFF, PNG, JPEG), Markdown, CSV o texto, o elíjalos:",
  "upload.files": "Archivos que subir",
  "upload.tags": "Etiquetas para estos archivos (opcional)",
  "upload.tagsHint": "Separadas por comas; letras, dígitos,",
  "upload.list": "Subidas",
  "upload.of": ({ name }) => `Subida de ${name}`,
  "upload.waiting": "En espera…",
  "upload.uploading": "Subiendo…",
  "upload.progress": ({ percent }) => `Subiendo… ${percent} %`,
  "upload.refused": ({ reason }) => `Rechazado: ${reason}`,
  "upload.unreadable": "no se ha podido leer el archivo",
  "upload.duplicate": "Ya está entre sus documentos (se subió antes el mismo contenido).",
  "upload.queued": "Subido; esperando a ser leído…",
  "upload.failed": ({ reason }) => `La subida ha fallado: ${reason}`,
  "upload.statusUnknown": ({ reason }) => `No se puede leer su estado: ${reason}`,
  "upload.ready": ({ pages, chunks, n }) =>
    `Listo: ${pages} ${plural(n, "página", "páginas")}, ${chunks} pasajes.`,
  "upload.readFailed": ({ reason }) => `Error: ${reason}`,
  "upload.reading": ({ progress }) => `Leyendo${progress}…`,
  "library.title": "Sus documentos",
  "library.refresh": "Actualizar",
  "library.name": "Nombre",
  "library.status": "Estado",
  "library.type": "Tipo",
  "library.pages": "Páginas",
  "library.passages": "Pasajes",
  "library.tags": "Etiquetas",
  "library.added": "Añadido",
  "library.actions": "Acciones",
  "library.empty": "Todavía no hay documentos: añada alguno arriba.",
  "library.more": "Mostrar más",
  "library.loading": "Cargando documentos…",
  "library.cannotList": ({ reason }) => `No se pueden listar los documentos: ${reason}`,
  "library.delete": "Eliminar",
  "library.deleteLabel": ({ name }) => `Eliminar ${name}`,
  "library.summary": "Resumen",
  "library.summaryLabel": ({ name }) => `Resumen citado de ${name}`,
  "summary.title": ({ name }) => `Resumen de ${name}`,
  "summary.loading": "Preparando el resumen…",
  "summary.page": ({ page }) => `p. ${page}`,
  "summary.covered": ({ kept, proposed, pages }) =>
    `${kept} de ${proposed} frases verificadas en su página (páginas ${pages}).`,
  "summary.none": "No se pudo verificar ninguna frase de este documento para un resumen.",
  "library.approximate": "páginas aproximadas",
  "status.queued": "En cola",
  "status.processing": "Leyendo…",
  "status.ready": "Listo",
  "status.failed": "Error",
  "delete.title": ({ name }) => `¿Eliminar «${name}»?`,
  "delete.text":
    "Sus páginas y pasajes se eliminan de Cited y ya no se podrá citar. El archivo original de su ordenador o carpeta compartida no se toca.",
  "delete.cancel": "Cancelar",
  "delete.confirm": "Eliminar",
  "delete.dialogTitle": "¿Eliminar el documento?",
  "delete.done": ({ name }) => `${name} eliminado.`,
  "delete.failed": ({ name, reason }) => `No se ha podido eliminar ${name}: ${reason}`,
  "sources.title": "Carpetas",
  "sources.intro":
    "Una carpeta es un directorio del servidor (una carpeta compartida de documentos). Cited lee todos sus archivos, y cada sincronización recoge los nuevos, los modificados y los eliminados.",
  "sources.formTitle": "Registrar una carpeta",
  "sources.formLegend": "Carpeta que registrar",
  "sources.path": "Ruta de la carpeta en el servidor",
  "sources.include": "Incluir (opcional)",
  "sources.includeHint": "Patrones separados por comas, p. ej.",
  "sources.exclude": "Excluir (opcional)",
  "sources.excludeHint": "Patrones separados por comas, p. ej.",
  "sources.tags": "Etiquetas (opcional)",
  "sources.register": "Registrar carpeta",
  "sources.listTitle": "Carpetas registradas",
  "sources.refresh": "Actualizar",
  "sources.empty": "Todavía no hay carpetas registradas.",
  "sources.reportTitle": "Informe de cobertura",
  "sources.unavailable":
    "La sincronización de carpetas aún no está disponible en este servidor (no ofrece /v1/sources). Suba los archivos desde la página Documentos.",
  "sources.counts.discovered": "Encontrados",
  "sources.counts.queued": "En cola",
  "sources.counts.done": "Hechos",
  "sources.counts.skipped": "Omitidos",
  "sources.counts.failed": "Con error",
  "sources.never": "Nunca sincronizada.",
  "sources.finished": ({ when }) => `terminó ${when}`,
  "sources.started": ({ when }) => `empezó ${when}`,
  "sources.lastSync": ({ state, when }) => `Última sincronización: ${state}${when ? `, ${when}` : ""}`,
  "sources.progress": "Progreso de la sincronización",
  "sources.syncNow": "Sincronizar ahora",
  "sources.report": "Informe de cobertura",
  "sources.include.list": ({ list }) => `incluir ${list}`,
  "sources.allFiles": "todos los archivos",
  "sources.exclude.list": ({ list }) => `excluir ${list}`,
  "sources.tags.list": ({ list }) => `etiquetas ${list}`,
  "sources.starting": "Iniciando una sincronización…",
  "sources.syncStarted": "Sincronización iniciada.",
  "sources.syncFailed": ({ reason }) => `No se ha podido iniciar la sincronización: ${reason}`,
  "sources.syncState": ({ state }) => `Sincronización: ${state}.`,
  "sources.liveStopped": ({ reason }) => `Se ha dejado de actualizar el recuento: ${reason}`,
  "sources.cannotList": ({ reason }) => `No se pueden listar las carpetas: ${reason}`,
  "sources.registering": "Registrando…",
  "sources.registered": ({ path }) => `${path} registrada. Inicie una sincronización para leer sus archivos.`,
  "sources.notRegistered": ({ reason }) => `No se ha registrado la carpeta: ${reason}`,
  "report.title": ({ path }) => `Informe de cobertura: ${path}`,
  "report.loading": "Cargando el informe…",
  "report.textLayer": "Páginas con capa de texto",
  "report.ocr": "Páginas leídas por OCR",
  "report.pagesFailed": "Páginas con error",
  "report.filesFailed": "Archivos con error",
  "report.failures": "Archivos que no se han podido leer",
  "report.files": ({ n }) => `Archivos (${n})`,
  "report.file": "Archivo",
  "report.status": "Estado",
  "report.pages": "Páginas",
  "report.ocrPages": "Páginas por OCR",
  "report.lowest": "Confianza de OCR más baja",
  "report.unsearchable": "No localizables",
  "report.pageList": ({ list }) => `página ${list}`,
  "report.none": "Aún no hay informe de cobertura para esta carpeta: inicie antes una sincronización.",
  "report.failed": ({ reason }) => `No se puede mostrar el informe: ${reason}`,
  "start.unreachable": ({ reason }) =>
    `No se puede contactar con Cited: ${reason} Vuelva a cargar la página para intentarlo de nuevo.`,
  "api.unreachable": "no se puede contactar con el servidor de Cited: compruebe que está en marcha",
  "api.status": ({ status }) => `el servidor respondió ${status}`,
  "api.interrupted": "la subida se ha interrumpido: compruebe la conexión y vuelva a intentarlo",
};

/** Every UI string, by language; both tables have the same keys. */
/** @type {Record<string, Record<string, Message>>} */
export const MESSAGES = { en: EN, es: ES };

let language = "en";

/** The language to start in: the reader's choice, else the first browser language the UI speaks, else English. */
export function preferredLanguage() {
  let stored = null;
  try {
    stored = localStorage.getItem(STORE_KEY);
  } catch {
    // storage may be off: the browser's languages decide
  }
  if (stored && stored in MESSAGES) return stored;
  for (const tag of navigator.languages ?? [navigator.language]) {
    const code = String(tag).toLowerCase().split("-")[0];
    if (code in MESSAGES) return code;
  }
  return "en";
}

/** The current language code. */
export function currentLanguage() {
  return language;
}

/**
 * A string in the current language; `values` fill its placeholders.
 * @param {string} key
 * @param {MessageValues} [values]
 * @returns {string}
 */
export function t(key, values = {}) {
  const entry = MESSAGES[language][key] ?? EN[key];
  if (entry === undefined) return key;
  return typeof entry === "function" ? entry(values) : entry;
}

const ATTRIBUTES = ["placeholder", "aria-label", "title"];

/**
 * Put the current language's words into the static page: [data-i18n] text and [data-i18n-<attr>] attributes.
 * @param {ParentNode} [root]
 */
export function translatePage(root = document) {
  document.documentElement.lang = language;
  // The selectors pick only elements that have the attribute: the key is never missing.
  for (const node of root.querySelectorAll("[data-i18n]"))
    node.textContent = t(node.getAttribute("data-i18n") ?? "");
  for (const name of ATTRIBUTES) {
    for (const node of root.querySelectorAll(`[data-i18n-${name}]`)) {
      node.setAttribute(name, t(node.getAttribute(`data-i18n-${name}`) ?? ""));
    }
  }
}

/**
 * Switch language (remembered for the next visit) and translate the static page; `onChange` redraws the rest.
 * @param {string} code
 * @param {{ remember?: boolean }} [options]
 */
export function setLanguage(code, { remember = true } = {}) {
  language = code in MESSAGES ? code : "en";
  if (remember) {
    try {
      localStorage.setItem(STORE_KEY, language);
    } catch {
      // not remembered, still switched
    }
  }
  translatePage();
}
